package main

import (
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionText(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Path: "github.com/plaudit/plaudit", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.modified", Value: "true"}}}
	if got, want := versionText(bi, true), "plaudit v1.2.3\ncommit: 0123abcd (modified)\ngo: go1.99.1"; got != want {
		t.Errorf("versionText = %q, want %q", got, want)
	}
	bi.Settings[1].Value = "false"
	if got, want := versionText(bi, true), "plaudit v1.2.3\ncommit: 0123abcd\ngo: go1.99.1"; got != want {
		t.Errorf("versionText = %q, want %q", got, want)
	}
	bi = &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Path: "github.com/plaudit/plaudit", Version: "(devel)"}}
	if got, want := versionText(bi, true), "plaudit (devel)\ncommit: unknown\ngo: go1.99.1"; got != want {
		t.Errorf("versionText = %q, want %q", got, want)
	}
	if got, want := versionText(nil, false), "plaudit (devel)\ncommit: unknown\ngo: "+runtime.Version(); got != want {
		t.Errorf("versionText = %q, want %q", got, want)
	}
}

// TestVersionCommand checks that `plaudit version` and `plaudit --version` print the same three lines,
// and that a binary built with version control information names its commit.
func TestVersionCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary; skipped with -short")
	}
	bin := epochTestBin(t)
	a, errOut, code := run(t, bin, "version")
	if code != 0 {
		t.Fatalf("plaudit version: exit %d: %s", code, errOut)
	}
	b, errOut, code := run(t, bin, "--version")
	if code != 0 {
		t.Fatalf("plaudit --version: exit %d: %s", code, errOut)
	}
	if a != b {
		t.Errorf("plaudit version says %q, plaudit --version %q", a, b)
	}
	lines := strings.Split(strings.TrimSuffix(a, "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "plaudit ") || !strings.HasPrefix(lines[1], "commit: ") || lines[2] != "go: "+runtime.Version() {
		t.Fatalf("plaudit version printed %q", a)
	}
	// The test binary's build may lack VCS information (GOFLAGS=-buildvcs=false); `git rev-parse` says what
	// the commit is when there is a repository, and a binary built with -buildvcs=true must name it.
	if head, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil && lines[1] != "commit: unknown" {
		if !strings.HasPrefix(lines[1], "commit: "+strings.TrimSpace(string(head))) {
			t.Errorf("plaudit version names %s, HEAD is %s", lines[1], head)
		}
	}
}
