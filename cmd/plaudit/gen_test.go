package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
	"github.com/plaudit/plaudit/gen"
)

// runGen runs `plaudit gen args…` with the gen command's flags reset first (cobra keeps flag values between
// executions of the same command tree).
func runGen(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd, _, err := rootCmd.Find([]string{"gen"})
	if err != nil {
		t.Fatal(err)
	}
	resetFlags(cmd)
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&out)
	rootCmd.SetArgs(append([]string{"gen"}, args...))
	defer rootCmd.SetArgs(nil)
	err = rootCmd.Execute()
	return out.String(), err
}

func resetFlags(cmd *cobra.Command) {
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		_ = f.Value.Set(f.DefValue)
		f.Changed = false
	})
}

func TestGenCommandDeterministic(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	for _, d := range []string{a, b} {
		out, err := runGen(t, "--members", "150", "--days", "4", "--seed", "11", "--out", d)
		if err != nil {
			t.Fatalf("gen: %v\n%s", err, out)
		}
		if !strings.Contains(out, "150 members") || !strings.Contains(out, "sybil") {
			t.Errorf("summary line: %q", out)
		}
	}
	if _, err := runGen(t, "--members", "150", "--days", "4", "--seed", "12", "--out", c); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{eventsFile, labelsFile} {
		x, _ := os.ReadFile(filepath.Join(a, name))
		y, _ := os.ReadFile(filepath.Join(b, name))
		z, _ := os.ReadFile(filepath.Join(c, name))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s: same seed, different bytes (%d and %d bytes)", name, len(x), len(y))
		}
		if bytes.Equal(x, z) {
			t.Errorf("%s: different seeds, same bytes", name)
		}
	}
	// events.jsonl decodes, every event is valid, in time order; labels.csv has a header and every member.
	f, err := os.Open(filepath.Join(a, eventsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := eventio.NewDecoder(f, eventio.JSONL)
	var events []plaudit.Event
	for {
		var e plaudit.Event
		if err := d.Decode(&e); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("line %d: %v", d.Line(), err)
		}
		if errs := e.Validate(); len(errs) > 0 {
			t.Fatalf("line %d: %v", d.Line(), errs[0])
		}
		if n := len(events); n > 0 && e.Time.Before(events[n-1].Time) {
			t.Fatalf("line %d: out of time order", d.Line())
		}
		events = append(events, e)
	}
	lf, err := os.Open(filepath.Join(a, labelsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	labels, err := gen.ReadLabels(lf)
	if err != nil {
		t.Fatal(err)
	}
	members := plaudit.BuildDirectory(events).Members()
	if len(labels) != len(members) || len(members) != 150 {
		t.Fatalf("%d labels, %d members in the events", len(labels), len(members))
	}
	for i, m := range members {
		if labels[i].Member != m.Handle {
			t.Fatalf("label %d is %q, member %q", i, labels[i].Member, m.Handle)
		}
	}
}

func TestGenCommandEvents(t *testing.T) {
	dir := t.TempDir()
	out, err := runGen(t, "--events", "20000", "--days", "5", "--out", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	data, _ := os.ReadFile(filepath.Join(dir, eventsFile))
	if n := bytes.Count(data, []byte{'\n'}); n < 14000 || n > 26000 {
		t.Errorf("--events 20000 gave %d events", n)
	}
	out, err = runGen(t, "--events", "20000", "--members", "500", "--days", "5", "--out", dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "500 members") {
		t.Errorf("--members with --events: %q", out)
	}
	data, _ = os.ReadFile(filepath.Join(dir, eventsFile))
	if n := bytes.Count(data, []byte{'\n'}); n < 14000 || n > 26000 {
		t.Errorf("--events 20000 --members 500 gave %d events", n)
	}
}

func TestGenCommandErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "never")
	for _, args := range [][]string{
		{"--members", "100"},
		{"--out", dir, "--mix", "spammer=1%"},
		{"--out", dir, "--mix", "sybil=80%"},
		{"--out", dir, "--start", "yesterday"},
		{"--out", dir, "--events", "0"},
		{"--out", dir, "--members", "3"},
		{"--out", dir, "--days", "0"},
	} {
		if out, err := runGen(t, args...); err == nil {
			t.Errorf("gen %v: no error\n%s", args, out)
		} else if exitCode(err) == 0 {
			t.Errorf("gen %v: exit code 0", args)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("gen %v wrote %s", args, dir)
		}
	}
}

func TestDemoCoreSteps(t *testing.T) {
	old := dbFlag
	dbFlag = ""
	defer func() { dbFlag = old }()
	var out bytes.Buffer
	env := &demoEnv{out: &out, dir: t.TempDir(), members: 200, days: 5, seed: 3, extra: map[string]any{}}
	for _, step := range []func(*demoEnv) error{demoGenerate, demoImport, demoSummary} {
		if err := step(env); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
	}
	defer env.store.Close()
	res := env.extra["gen"].(*gen.Result)
	if int64(len(env.events)) != res.Events || res.Events == 0 {
		t.Fatalf("imported %d events, generated %d", len(env.events), res.Events)
	}
	if env.directory.Len() != 200 || len(env.extra["labels"].([]gen.MemberLabel)) != 200 {
		t.Fatalf("directory has %d members", env.directory.Len())
	}
	if _, err := os.Stat(filepath.Join(env.dir, demoDB)); err != nil {
		t.Fatalf("the demo store is not in the demo folder: %v", err)
	}
	s := out.String()
	for _, want := range []string{"200 members", "imported ", "events by kind and source", "most active members", "time span", "farcaster", "github"} {
		if !strings.Contains(s, want) {
			t.Errorf("demo output lacks %q:\n%s", want, s)
		}
	}
	// Running the import again starts from a fresh store: the log holds the community once.
	out.Reset()
	env.store.Close()
	if err := demoImport(env); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("imported %d new, 0 duplicate, 0 rejected; the log holds %d events", res.Events, res.Events); !strings.Contains(out.String(), want) {
		t.Errorf("second import: %s, want %q", out.String(), want)
	}
}
