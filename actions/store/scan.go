package store

import (
	"context"
	"time"
)

// Scan judges every version of the inventory without hashing. It reads
// the store but never writes to it.
func Scan(ctx context.Context, s *Store, inv *Inventory, opts ScanOptions) (*ScanReport, error) {
	start := time.Now()
	rep := &ScanReport{Inventory: inv, Checked: inv.Versions()}
	rep.Damage = append(rep.Damage, missingFiles(inv)...)
	rep.Duration = time.Since(start)
	return rep, ctx.Err()
}
