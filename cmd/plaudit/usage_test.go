package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// execute runs rootCmd in process with args, after prepareCommands, and returns its output and the exit
// status main would give its error. Every flag of the command tree is reset first (cobra keeps flag values
// between executions).
func execute(t *testing.T, args ...string) (out string, code int, err error) {
	t.Helper()
	prepareCommands()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				if sv, ok := f.Value.(pflag.SliceValue); ok { // Set would append "[]" to a slice
					_ = sv.Replace(nil)
				} else if f.Name != "log-format" { // its Set installs a logger; reset below
					_ = f.Value.Set(f.DefValue)
				}
				f.Changed = false
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(rootCmd)
	var buf bytes.Buffer
	rootCmd.SetOut(&buf)
	rootCmd.SetErr(&buf)
	rootCmd.SetArgs(args)
	defer func() {
		rootCmd.SetArgs(nil)
		rootCmd.SetOut(nil)
		rootCmd.SetErr(nil)
	}()
	err = rootCmd.ExecuteContext(context.Background())
	if err != nil {
		code = exitCode(err)
	}
	return buf.String(), code, err
}

// commandArgs returns the arguments that name c from the root: "payout", "permit" for plaudit payout permit.
func commandArgs(c *cobra.Command) []string {
	var names []string
	for p := c; p.HasParent(); p = p.Parent() {
		names = append([]string{p.Name()}, names...)
	}
	return names
}

// TestUnknownFlagExits2 runs every command of the tree, hidden ones included, with a flag it does not have:
// each must fail with a usage error, exit status 2, before running.
func TestUnknownFlagExits2(t *testing.T) {
	prepareCommands()
	var all []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		all = append(all, c)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(rootCmd)
	if len(all) < 50 {
		t.Fatalf("only %d commands in the tree", len(all))
	}
	for _, c := range all {
		args := append(commandArgs(c), "--no-such-flag")
		out, code, err := execute(t, args...)
		if code != 2 || err == nil || !strings.Contains(userMessage(err), "unknown flag: --no-such-flag") {
			t.Errorf("plaudit %s: exit %d, error %v; want exit 2 and an unknown flag\n%s", strings.Join(args, " "), code, err, out)
		}
	}
}

// TestUsageErrorsExit2 checks wrong argument counts, unknown commands, missing required flags and a bad
// --log-format on a sample of commands.
func TestUsageErrorsExit2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"import"}, "accepts 1 arg(s), received 0"},
		{[]string{"import", "a.jsonl", "b.jsonl"}, "accepts 1 arg(s), received 2"},
		{[]string{"verify"}, "plaudit verify: accepts 1 arg(s)"},
		{[]string{"policy", "diff", "old.yml"}, "plaudit policy diff:"},
		{[]string{"epoch", "close"}, "plaudit epoch close:"},
		{[]string{"version", "extra"}, "plaudit version: unknown command"},
		{[]string{"clsoe"}, `unknown command "clsoe"`},
		{[]string{"epoch", "clsoe"}, `plaudit epoch: unknown command "clsoe" (did you mean close?)`},
		{[]string{"payout", "permit"}, `required flag(s) "amount", "deadline", "nonce", "spender", "token" not set`},
		{[]string{"score", "replay"}, `plaudit score replay: required flag(s) "policy" not set`},
		{[]string{"score", "comment"}, `required flag(s) "role" not set`},
		{[]string{"payout", "verify-proof", "--address", "0x01"}, `required flag(s) "amount", "proof", "root" not set`},
		{[]string{"--log-format", "xml", "version"}, `invalid argument "xml" for "--log-format" flag: want text or json`},
	} {
		out, code, err := execute(t, tc.args...)
		if code != 2 || err == nil || !strings.Contains(userMessage(err), tc.want) {
			t.Errorf("plaudit %s: exit %d, error %v; want exit 2 and %q\n%s", strings.Join(tc.args, " "), code, err, tc.want, out)
		}
	}
	// A command that groups others, called alone, still prints its help and succeeds.
	out, code, err := execute(t, "epoch")
	if code != 0 || err != nil || !strings.Contains(out, "Available Commands:") {
		t.Errorf("plaudit epoch: exit %d, error %v\n%s", code, err, out)
	}
}

// TestUsageErrorsExit2Binary checks the exit status main gives, through the binary.
func TestUsageErrorsExit2Binary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plaudit binary; skipped with -short")
	}
	bin := epochTestBin(t)
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--no-such-flag"},
		{"import", "--no-such-flag", "x.jsonl"},
		{"import"},
		{"nosuchcommand"},
		{"score", "replay"},
		{"--log-format", "yaml", "version"},
	} {
		_, errOut, code := run(t, bin, append([]string{"--db", dir + "/never.db"}, args...)...)
		if code != 2 || !strings.HasPrefix(errOut, "plaudit: ") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("plaudit %s: exit %d, stderr %q; want exit 2 and one line", strings.Join(args, " "), code, errOut)
		}
	}
	if _, err := os.Stat(dir + "/never.db"); err == nil {
		t.Error("a usage error opened the store")
	}
}

// TestLogFormat checks that --log-format json makes slog.Default() a JSON logger before the command runs, and
// that text is the default.
func TestLogFormat(t *testing.T) {
	old := slog.Default()
	t.Cleanup(func() {
		slog.SetDefault(old)
		logFormat = "text"
	})
	if _, code, err := execute(t, "--log-format", "json", "version"); err != nil || code != 0 {
		t.Fatalf("--log-format json version: %d %v", code, err)
	}
	if _, ok := slog.Default().Handler().(*slog.JSONHandler); !ok {
		t.Errorf("--log-format json: the default handler is %T", slog.Default().Handler())
	}
	if _, code, err := execute(t, "--log-format", "text", "version"); err != nil || code != 0 {
		t.Fatalf("--log-format text version: %d %v", code, err)
	}
	if _, ok := slog.Default().Handler().(*slog.TextHandler); !ok {
		t.Errorf("--log-format text: the default handler is %T", slog.Default().Handler())
	}
	var buf bytes.Buffer
	newLogger("json", &buf).Warn("hello", "n", 1)
	if !strings.HasPrefix(buf.String(), `{"time":`) || !strings.Contains(buf.String(), `"msg":"hello","n":1}`) {
		t.Errorf("JSON logger wrote %q", buf.String())
	}
}
