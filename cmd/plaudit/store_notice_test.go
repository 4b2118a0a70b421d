package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestOpenStoreSaysWhichOnce checks that openStore names the store on the command's standard error, once
// however often it is called, with a relative path made absolute and a password masked.
func TestOpenStoreSaysWhichOnce(t *testing.T) {
	oldDB := dbFlag
	t.Cleanup(func() {
		dbFlag = oldDB
		rootCmd.SetErr(nil)
	})
	t.Chdir(t.TempDir())
	var stderr bytes.Buffer
	rootCmd.SetErr(&stderr)

	storeNoticeOnce = sync.Once{}
	dbFlag = "rel.db"
	for range 2 {
		s, err := openStore(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	abs, err := filepath.Abs("rel.db")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := stderr.String(), "store: "+abs+"\n"; got != want {
		t.Errorf("standard error %q, want %q", got, want)
	}

	storeNoticeOnce = sync.Once{}
	stderr.Reset()
	dbFlag = "postgres://plaudit:s3cretpw@127.0.0.1:1/nowhere?connect_timeout=1"
	if _, err := openStore(context.Background()); err == nil {
		t.Fatal("opening a server that is not there succeeded")
	}
	if got, want := stderr.String(), "store: postgres://plaudit:xxxxx@127.0.0.1:1/nowhere?connect_timeout=1\n"; got != want {
		t.Errorf("standard error %q, want %q", got, want)
	}
}

// TestStoreNoticeKeepsStdout checks, through the binary, that the store line goes to standard error once
// and that standard output stays machine-readable.
func TestStoreNoticeKeepsStdout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary; skipped with -short")
	}
	bin := epochTestBin(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "store.db")
	events := filepath.Join(dir, "events.jsonl")
	if err := os.WriteFile(events, []byte(importGood), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, bin, "--db", db, "import", events)
	if code != 0 || out != "imported 2 new, 0 duplicate, 0 rejected\n" {
		t.Fatalf("import: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if errOut != "store: "+db+"\n" {
		t.Errorf("import's standard error %q, want just the store line", errOut)
	}
	out, errOut, code = run(t, bin, "--db", db, "flags", "--json")
	if code != 0 || strings.Count(errOut, "store: ") != 1 {
		t.Fatalf("flags --json: exit %d, stderr %q", code, errOut)
	}
	if strings.TrimSpace(out) != "" && !json.Valid([]byte(strings.TrimSpace(strings.Split(out, "\n")[0]))) {
		t.Errorf("flags --json printed %q", out)
	}
}
