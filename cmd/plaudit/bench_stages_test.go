package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestBenchStages: `plaudit bench stages` runs import, score, integrity, close and verify as processes of
// the binary on a fresh store, prints one measured line per stage and passes within the limits; with a
// limit no process can meet it marks the stages MISSED and exits 1.
func TestBenchStages(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary; skipped with -short")
	}
	bin := epochTestBin(t)
	dir := t.TempDir()
	comm := filepath.Join(dir, "c")
	if _, stderr, code := run(t, bin, "gen", "--members", "100", "--days", "14", "--seed", "2", "--out", comm); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	events := filepath.Join(comm, "events.jsonl")
	stdout, stderr, code := run(t, bin, "--db", filepath.Join(dir, "a.db"), "bench", "stages", "--events", events, "--at", "2026-01-07")
	if code != 0 {
		t.Fatalf("bench stages: exit %d\n%s\n%s", code, stdout, stderr)
	}
	line := regexp.MustCompile(`(?m)^(\w+) +[0-9.]+ s wall +[0-9.]+ s CPU +[1-9][0-9]* MB peak  ok$`)
	var stages []string
	for _, m := range line.FindAllStringSubmatch(stdout, -1) {
		stages = append(stages, m[1])
	}
	if got := strings.Join(stages, " "); got != "import score integrity close verify" || !strings.Contains(stdout, "every stage within 2048 MB") {
		t.Fatalf("stages measured: %q, want import score integrity close verify, all ok:\n%s", got, stdout)
	}
	stdout, _, code = run(t, bin, "--db", filepath.Join(dir, "b.db"), "bench", "stages", "--events", events, "--at", "2026-01-07", "--max-rss", "1")
	if code != 1 || strings.Count(stdout, "MISSED") != 5 {
		t.Fatalf("with --max-rss 1: exit %d (want 1), output:\n%s", code, stdout)
	}
	if _, stderr, code := run(t, bin, "--db", filepath.Join(dir, "c.db"), "bench", "stages"); code != 2 || !strings.Contains(stderr, "--at") {
		t.Fatalf("without --at: exit %d, %s", code, stderr)
	}
}
