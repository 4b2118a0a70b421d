package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plaudit/plaudit/sqlstore"
)

func TestOpenStoreChoice(t *testing.T) {
	old := dbFlag
	t.Cleanup(func() { dbFlag = old })
	dir := t.TempDir()
	t.Setenv("XDG_DATA_HOME", dir)

	// Nothing set: the default file in the user data directory, in a 0700 folder.
	dbFlag = ""
	t.Setenv("PLAUDIT_DATABASE_URL", "")
	s, err := openStore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	def := filepath.Join(dir, "plaudit", "plaudit.db")
	if _, err := os.Stat(def); err != nil {
		t.Fatalf("default store not created: %v", err)
	}
	if fi, _ := os.Stat(filepath.Dir(def)); fi.Mode().Perm() != 0o700 {
		t.Fatalf("data folder mode %v, want 0700", fi.Mode().Perm())
	}

	// The environment beats the default, the flag beats the environment.
	env := filepath.Join(dir, "env.db")
	t.Setenv("PLAUDIT_DATABASE_URL", env)
	if s, err = openStore(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(env); err != nil {
		t.Fatalf("PLAUDIT_DATABASE_URL store not created: %v", err)
	}
	flag := filepath.Join(dir, "flag.db")
	dbFlag = flag
	if s, err = openStore(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(flag); err != nil {
		t.Fatalf("--db store not created: %v", err)
	}
	if got := s.(*sqlstore.DB).String(); got != flag {
		t.Fatalf("opened %s, want %s", got, flag)
	}
}

func TestOpenStoreHidesPassword(t *testing.T) {
	old := dbFlag
	t.Cleanup(func() { dbFlag = old })
	for _, dsn := range []string{
		"postgres://plaudit:s3cretpw@127.0.0.1:1/nowhere?connect_timeout=1",
		"postgresql://plaudit:s3cretpw@127.0.0.1:bad/nowhere",
		"postgres://plaudit@127.0.0.1:1/nowhere?password=s3cretpw&connect_timeout=1",
	} {
		dbFlag = dsn
		_, err := openStore(context.Background())
		if err == nil {
			t.Fatalf("opening %s succeeded", dsn)
		}
		if strings.Contains(err.Error(), "s3cretpw") {
			t.Fatalf("error shows the password: %v", err)
		}
	}
}
