package actions

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseAge reads a duration like time.ParseDuration, plus days ("30d")
// and weeks ("2w").
func ParseAge(s string) (time.Duration, error) {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			f, err := strconv.ParseFloat(n, 64)
			if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
				return 0, fmt.Errorf("bad age %q: use a number and a unit like 36h, 30d or 2w", s)
			}
			if f*float64(unit) >= math.MaxInt64 {
				return 0, fmt.Errorf("bad age %q: over 290 years; --all takes every entry", s)
			}
			return time.Duration(f * float64(unit)), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad age %q: use a number and a unit like 36h, 30d or 2w", s)
	}
	return d, nil
}

// FormatAge prints an age the way ParseAge reads it: in days when it is
// whole days, else without zero units ("10m", "1h30m").
func FormatAge(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
