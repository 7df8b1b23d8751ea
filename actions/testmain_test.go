package actions

import (
	"os"
	"testing"

	"modscope/cachescan/cachetest"
)

func TestMain(m *testing.M) { os.Exit(cachetest.Run(m)) }
