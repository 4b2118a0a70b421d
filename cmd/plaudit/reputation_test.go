package main

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/sqlstore"
)

// runReputation runs `plaudit reputation args…` with its own flags reset first (not the global --db), returning
// stdout and stderr.
func runReputation(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd, _, err := rootCmd.Find([]string{"reputation"})
	if err != nil {
		t.Fatal(err)
	}
	cmd.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			_ = sv.Replace(nil)
		} else {
			_ = f.Value.Set(f.DefValue)
		}
		f.Changed = false
	})
	var out, errOut bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&errOut)
	rootCmd.SetArgs(append([]string{"reputation"}, args...))
	defer rootCmd.SetArgs(nil)
	err = rootCmd.Execute()
	return out.String(), errOut.String(), err
}

func TestReputationEdges(t *testing.T) {
	dir := t.TempDir()
	edges := filepath.Join(dir, "trust.csv")
	seed := filepath.Join(dir, "seed.csv")
	// The hand-computed weighted case of the reputation tests: t = (0.64, 0.08, 0.28); the self-loop is
	// dropped and the repeated pair a→c summed.
	if err := os.WriteFile(edges, []byte("i,j,v\na,b,1\na,c,2\nb,c,1\nc,a,1\nc,c,9\na,c,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(seed, []byte("i,v\na,5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runReputation(t, "--edges", edges, "--pretrust", seed, "--tolerance", "1e-15")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []struct {
		id    string
		score float64
	}{{"a", 0.64}, {"c", 0.28}, {"b", 0.08}}
	if len(lines) != 4 || lines[0] != "id,score" {
		t.Fatalf("output:\n%s", out)
	}
	for i, w := range want {
		id, v, _ := strings.Cut(lines[i+1], ",")
		f, err := strconv.ParseFloat(v, 64)
		if id != w.id || err != nil || math.Abs(f-w.score) > 1e-12 {
			t.Errorf("line %d: %q, want %s ≈ %v", i+2, lines[i+1], w.id, w.score)
		}
	}
	if !strings.Contains(errOut, "3 nodes, 4 edges") {
		t.Errorf("summary: %q", errOut)
	}

	// --out writes the same bytes; two runs are identical.
	file := filepath.Join(dir, "scores.csv")
	if _, _, err := runReputation(t, "--edges", edges, "--pretrust", seed, "--tolerance", "1e-15", "--out", file); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(file); string(b) != out {
		t.Errorf("--out wrote %q, stdout was %q", b, out)
	}

	// Bad input: exit code 2, the file and line named, nothing written.
	bad := filepath.Join(dir, "bad.csv")
	_ = os.WriteFile(bad, []byte("i,j,v\na,b,1\na,b,-3\n"), 0o644)
	none := filepath.Join(dir, "none.csv")
	_, _, err = runReputation(t, "--edges", bad, "--out", none)
	var ve *plaudit.ValidationError
	if !errors.As(err, &ve) || exitCode(err) != 2 || !strings.Contains(err.Error(), "line 3: field v: -3 is negative") {
		t.Errorf("bad edges: %v", err)
	}
	if _, err := os.Stat(none); !os.IsNotExist(err) {
		t.Error("output written for bad input")
	}
	zero := filepath.Join(dir, "zero.csv")
	_ = os.WriteFile(zero, []byte("i,v\na,0\n"), 0o644)
	if _, _, err := runReputation(t, "--edges", edges, "--pretrust", zero); err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "all zero") {
		t.Errorf("all-zero pre-trust: %v", err)
	}
	if _, _, err := runReputation(t, "--edges", edges, "--alpha", "1.5"); err == nil || exitCode(err) != 2 {
		t.Errorf("alpha 1.5: %v", err)
	}
}

func TestReputationMembers(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "rep.db")
	st, err := sqlstore.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var events []plaudit.Event
	if _, err := gen.Generate(gen.Config{Members: 200, Days: 3, Seed: 3}, func(e *plaudit.Event) error {
		events = append(events, *e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for len(events) > 0 {
		n := min(len(events), 1000)
		res, err := st.AppendEvents(ctx, events[:n])
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Status != plaudit.Accepted {
			t.Fatalf("append: %+v", res[0])
		}
		events = events[n:]
	}
	st.Close()

	old := dbFlag
	t.Cleanup(func() {
		dbFlag = old
		if f := rootCmd.PersistentFlags().Lookup("db"); f != nil {
			f.Changed = false
		}
	})
	out, errOut, err := runReputation(t, "--db", db, "--top", "5")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 6 || !strings.Contains(lines[0], "rank") || !strings.Contains(lines[0], "percentile") || !strings.HasPrefix(strings.TrimSpace(lines[1]), "1 ") {
		t.Errorf("table:\n%s", out)
	}
	if !strings.Contains(errOut, "pre-trusted") || !strings.Contains(errOut, "iterations") {
		t.Errorf("summary: %q", errOut)
	}
	again, _, err := runReputation(t, "--db", db, "--top", "5")
	if err != nil {
		t.Fatal(err)
	}
	if again != out {
		t.Errorf("two runs differ:\n%s\n%s", out, again)
	}
}
