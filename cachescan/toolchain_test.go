package cachescan

import "testing"

func TestActiveToolchain(t *testing.T) {
	env := Env{GOVERSION: "go1.22.0", GOHOSTOS: "linux", GOHOSTARCH: "amd64"}
	tests := []struct {
		gotoolchain string
		goLine      string
		toolchain   string
		want        string
	}{
		{"local", "1.25.0", "", ""},
		{"auto", "1.21", "", ""},
		{"auto", "1.22.0", "", ""},
		{"auto", "1.23", "", "v0.0.1-go1.23.0.linux-amd64"},
		{"auto", "1.23.4", "", "v0.0.1-go1.23.4.linux-amd64"},
		{"auto", "1.23.4", "go1.24.1", "v0.0.1-go1.24.1.linux-amd64"},
		{"auto", "1.23.4", "go1.23.1", "v0.0.1-go1.23.4.linux-amd64"},
		{"auto", "1.21", "default", ""},
		{"go1.25.3", "1.21", "", "v0.0.1-go1.25.3.linux-amd64"},
		{"go1.25.3+auto", "1.26.1", "", "v0.0.1-go1.26.1.linux-amd64"},
		{"local+auto", "1.24rc1", "", "v0.0.1-go1.24rc1.linux-amd64"},
		{"path", "1.24.0", "", ""},
		{"go1.22.0", "1.21", "", ""},
	}
	for _, tt := range tests {
		env.GOTOOLCHAIN = tt.gotoolchain
		p := &Project{Go: tt.goLine, Toolchain: tt.toolchain}
		if got := activeToolchain(env, p); got != tt.want {
			t.Errorf("GOTOOLCHAIN=%s go %s toolchain %q: got %q, want %q", tt.gotoolchain, tt.goLine, tt.toolchain, got, tt.want)
		}
	}
	env.GOTOOLCHAIN = "go1.24.0"
	if got := activeToolchain(env, nil); got != "v0.0.1-go1.24.0.linux-amd64" {
		t.Errorf("without a project: %q", got)
	}
}

func TestGoCompare(t *testing.T) {
	// A language version (go1.22) comes before every release of it.
	order := []string{"go1.9", "go1.21", "go1.21rc1", "go1.21rc2", "go1.21.0", "go1.21.3", "go1.22", "go1.22beta1", "go1.22rc1", "go1.22.0", "go1.100.0"}
	for i := range order {
		for j := range order {
			got := goCompare(order[i], order[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got != want {
				t.Errorf("goCompare(%s, %s) = %d, want %d", order[i], order[j], got, want)
			}
		}
	}
}
