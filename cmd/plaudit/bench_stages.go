package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
)

// stagesCommand is `plaudit bench stages`: the pipeline's stages through the CLI, each its own process, with
// wall time, CPU time and peak memory per stage.
func stagesCommand() *cobra.Command {
	var (
		events, pol, program, at, since, until string
		maxRSS                                 int64
		maxClose, maxVerify                    time.Duration
	)
	cmd := &cobra.Command{
		Use:   "stages",
		Short: "Run import, score, integrity run, epoch close and verify on the --db store, each as its own process, and report time and peak memory",
		Long: `stages runs the pipeline through the CLI on the store --db names, each stage a child process of this binary,
and reports for each its wall time, CPU time (user + system) and peak resident memory (the kernel's maxrss):
import of --events (skipped without it) and activation of --policy (skipped when empty), score, integrity run
(over [--integrity-since, --integrity-until), the whole log by default), epoch close PROGRAM --at AT, and
verify of the epoch closed. It then checks the targets: every stage under --max-rss, the close under
--max-close and the verify under --max-verify, and exits 1 when one is missed or a stage failed. Give a
store whose epoch at --at is not closed yet (a fresh one with --events).`,
		Example: `  plaudit --db big.db bench stages --events big/events.jsonl --at 2026-01-07
  plaudit --db postgres://localhost/big bench stages --at 2026-01-07 --integrity-since 2026-01-05 --integrity-until 2026-01-12`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if at == "" {
				return plaudit.Errorf(plaudit.EINVALID, "bench stages: --at DATE (inside the epoch to close) is required")
			}
			dsn, _, err := storeDSN()
			if err != nil {
				return err
			}
			self, err := os.Executable()
			if err != nil {
				return fmt.Errorf("bench stages: find this binary: %w", err)
			}
			out := cmd.OutOrStdout()
			missed := false
			run := func(name string, limit time.Duration, args ...string) (string, error) {
				st, stdout, err := runStage(self, append([]string{"--db", dsn}, args...))
				if err != nil {
					return "", fmt.Errorf("bench stages: %s: %w", name, err)
				}
				verdict := "ok"
				if st.peak > maxRSS || (limit > 0 && st.wall > limit) {
					verdict, missed = "MISSED", true
				}
				fmt.Fprintf(out, "%-10s %8.2f s wall %8.2f s CPU %7d MB peak  %s\n", name, st.wall.Seconds(), st.cpu.Seconds(), st.peak>>20, verdict)
				return stdout, nil
			}
			if events != "" {
				if _, err := run("import", 0, "import", events); err != nil {
					return err
				}
			}
			if pol != "" {
				if _, _, err := runStage(self, []string{"--db", dsn, "policy", "activate", pol}); err != nil {
					return fmt.Errorf("bench stages: policy activate %s: %w", pol, err)
				}
			}
			if _, err := run("score", 0, "score"); err != nil {
				return err
			}
			iargs := []string{"integrity", "run"}
			if since != "" {
				iargs = append(iargs, "--since", since)
			}
			if until != "" {
				iargs = append(iargs, "--until", until)
			}
			if _, err := run("integrity", 0, iargs...); err != nil {
				return err
			}
			closed, err := run("close", maxClose, "epoch", "close", program, "--at", at)
			if err != nil {
				return err
			}
			m := closedEpochLine.FindStringSubmatch(closed)
			if m == nil {
				return fmt.Errorf("bench stages: epoch close printed no %q line:\n%s", "epoch ID closed", closed)
			}
			if _, err := run("verify", maxVerify, "verify", m[1]); err != nil {
				return err
			}
			if missed {
				return fmt.Errorf("bench stages: target not met (every stage ≤ %d MB, close ≤ %s, verify ≤ %s)", maxRSS>>20, maxClose, maxVerify)
			}
			fmt.Fprintf(out, "every stage within %d MB; close within %s, verify within %s\n", maxRSS>>20, maxClose, maxVerify)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&events, "events", "", "a JSON Lines file to import first (none: the store is filled already)")
	f.StringVar(&pol, "policy", "preset:default", "the policy to activate before scoring (\"\": keep the active one)")
	f.StringVar(&program, "program", "default", "the program whose epoch is closed")
	f.StringVar(&at, "at", "", "a time inside the epoch to close (RFC 3339 or YYYY-MM-DD)")
	f.StringVar(&since, "integrity-since", "", "the integrity run's --since (default: the whole log)")
	f.StringVar(&until, "integrity-until", "", "the integrity run's --until")
	f.Int64Var(&maxRSS, "max-rss", 2<<30, "the peak memory in bytes every stage must stay under")
	f.DurationVar(&maxClose, "max-close", 30*time.Second, "the wall time the epoch close must stay under")
	f.DurationVar(&maxVerify, "max-verify", 60*time.Second, "the wall time the verify must stay under")
	return cmd
}

// closedEpochLine finds the epoch id in epoch close's first line, "epoch ID closed".
var closedEpochLine = regexp.MustCompile(`(?m)^epoch (\S+) (?:closed|was closed)`)

// stageStats is what one stage's process cost.
type stageStats struct {
	wall, cpu time.Duration
	peak      int64 // bytes
}

// runStage runs this binary with args as a child process and measures it; its standard output is
// returned, its standard error shown only when it fails.
func runStage(self string, args []string) (*stageStats, string, error) {
	var stdout, stderr bytes.Buffer
	c := exec.Command(self, args...)
	c.Stdout, c.Stderr = &stdout, &stderr
	began := time.Now()
	err := c.Run()
	st := &stageStats{wall: time.Since(began)}
	if err != nil {
		return nil, "", fmt.Errorf("plaudit %v: %w\n%s", args[2:], err, lastLines(stderr.Bytes(), 10))
	}
	if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
		st.peak = ru.Maxrss << 10 // kilobytes on Linux
	}
	st.cpu = c.ProcessState.UserTime() + c.ProcessState.SystemTime()
	return st, stdout.String(), nil
}

// lastLines returns the last n lines of b.
func lastLines(b []byte, n int) string {
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
