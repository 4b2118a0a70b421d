package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestREADMECLIReference keeps the README's CLI reference equal to the commands' own help.
func TestREADMECLIReference(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := replaceCLISection(readme, cliReference(rootCmd))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readme, want) {
		t.Fatal("README.md's CLI reference is out of date: run `go run ./cmd/plaudit docs cli --update` from the repository root")
	}
}

// TestREADMEOpening checks that the README opens with the demo and the test commands.
func TestREADMEOpening(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	head := readme[:min(len(readme), 400)]
	for _, cmd := range []string{"go run ./cmd/plaudit demo", "go test ./..."} {
		if !bytes.Contains(head, []byte(cmd)) {
			t.Errorf("README's opening lacks %q", cmd)
		}
	}
}
