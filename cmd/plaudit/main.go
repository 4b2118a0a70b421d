// Command plaudit is the one binary of Plaudit: it imports and ingests events, generates synthetic
// communities, scores, settles epochs, signs payouts, serves the API and runs the demo.
//
// Each subcommand lives in its own file and adds itself to rootCmd in an init function; this file holds only
// the root command, the global flags and main.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
)

// rootCmd is the plaudit command; subcommands register themselves on it.
var rootCmd = &cobra.Command{
	Use:   "plaudit",
	Short: "Plaudit: an engagement-rewards engine with published rules, integrity checks and verifiable payouts",
	Long: `Plaudit ingests community activity (X, Discord, GitHub, Farcaster, its own API), scores it with
published, versioned policies that explain every point, catches gaming, and settles each epoch into an exact
ledger with verifiable payouts.`,
	SilenceUsage:  true,
	SilenceErrors: true,
}

// dbFlag is the global --db flag: a SQLite file path or a postgres:// URL.
var dbFlag string

// logFormat is the global --log-format flag: text or json.
var logFormat = logFormatFlag("text")

func init() {
	rootCmd.PersistentFlags().StringVar(&dbFlag, "db", "", "store: a SQLite file path or a postgres:// URL (default $PLAUDIT_DATABASE_URL, else plaudit.db in the user data directory)")
	rootCmd.PersistentFlags().Var(&logFormat, "log-format", "log lines on standard error as text or json (one JSON object a line)")
	rootCmd.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return usageError(cmd, err) })
}

func main() {
	slog.SetDefault(newLogger(string(logFormat), os.Stderr))
	prepareCommands()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	var stopProfiles func() error
	rootCmd.PersistentPreRunE = func(*cobra.Command, []string) (err error) {
		stopProfiles, err = startProfiles()
		return err
	}
	err := rootCmd.ExecuteContext(ctx)
	if stopProfiles != nil {
		if perr := stopProfiles(); err == nil {
			err = perr
		}
	}
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "plaudit:", userMessage(err))
		os.Exit(exitCode(err))
	}
}

// userMessage renders err for a terminal: domain errors by their message, others as wrapped.
func userMessage(err error) string {
	var pe *plaudit.Error
	if errors.As(err, &pe) {
		return pe.Message
	}
	return err.Error()
}

// exitCode maps errors to exit codes: 2 for bad input, 1 for everything else.
func exitCode(err error) int {
	switch plaudit.ErrorCode(err) {
	case plaudit.EINVALID, plaudit.ENOTFOUND, plaudit.EFORBIDDEN, plaudit.ECONFLICT:
		return 2
	}
	var ve *plaudit.ValidationError
	if errors.As(err, &ve) {
		return 2
	}
	return 1
}

// newLogger returns the logger commands use through slog.Default(): warnings and errors on w, as text or
// (format "json") as one JSON object a line.
func newLogger(format string, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelWarn}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// logFormatFlag is the value of --log-format. Setting it installs the logger at once, while the command line
// is parsed, so that slog.Default() is right before any command runs; a value other than text or json is a
// flag error, so a usage error.
type logFormatFlag string

func (f *logFormatFlag) String() string { return string(*f) }

func (f *logFormatFlag) Type() string { return "string" }

func (f *logFormatFlag) Set(s string) error {
	if s != "text" && s != "json" {
		return fmt.Errorf("want text or json, not %q", s)
	}
	*f = logFormatFlag(s)
	slog.SetDefault(newLogger(s, os.Stderr))
	return nil
}

// usageError makes err, a problem with how cmd was called (a flag, the arguments), a plaudit EINVALID
// error, which exits with status 2, naming the command and how to call it.
func usageError(cmd *cobra.Command, err error) error {
	usage := cmd.UseLine()
	if groupCommands[cmd] {
		usage = cmd.CommandPath() + " COMMAND"
	}
	if !cmd.HasParent() { // main prefixes "plaudit: " already
		return plaudit.Errorf(plaudit.EINVALID, "%v (usage: %s; see %s --help)", err, usage, cmd.CommandPath())
	}
	return plaudit.Errorf(plaudit.EINVALID, "%s: %v (usage: %s; see %s --help)", cmd.CommandPath(), err, usage, cmd.CommandPath())
}

// prepareOnce guards prepareCommands.
var prepareOnce sync.Once

// groupCommands are the commands that only group others, which prepareCommands gave runGroup as their Run.
var groupCommands = map[*cobra.Command]bool{}

// prepareCommands makes every usage error of every command a plaudit EINVALID error (exit status 2): cobra
// reports a wrong argument count, a missing required flag and an unknown command as plain errors (exit
// status 1). It walks the whole command tree, so it runs once every command has been added: from main, and
// from tests that check exit statuses. Flag errors go through rootCmd's flag error function (see init).
//
//   - A command's Args validator is wrapped, so that its error is a usage error.
//   - A command that only groups others (the root, plaudit epoch, …) gets a Run that prints its help when
//     called alone and reports an unknown command otherwise; cobra would print the help and exit 0 for
//     "plaudit epoch clsoe", and fail with exit 1 for "plaudit clsoe".
//   - A runnable command checks its required flags and flag groups in its PreRunE, before cobra would.
func prepareCommands() {
	prepareOnce.Do(func() {
		rootCmd.InitDefaultHelpCmd()
		rootCmd.InitDefaultCompletionCmd()
		var walk func(c *cobra.Command)
		walk = func(c *cobra.Command) {
			if c.HasSubCommands() && !c.Runnable() {
				c.RunE = runGroup
				groupCommands[c] = true
				if c.Args == nil {
					c.Args = cobra.ArbitraryArgs // runGroup checks them; nil would mean cobra's own check
				}
			}
			if args := c.Args; args != nil {
				c.Args = func(cmd *cobra.Command, a []string) error {
					if err := args(cmd, a); err != nil {
						return usageError(cmd, err)
					}
					return nil
				}
			}
			if c.Runnable() {
				preE, pre := c.PreRunE, c.PreRun
				c.PreRun = nil
				c.PreRunE = func(cmd *cobra.Command, a []string) error {
					if err := cmd.ValidateRequiredFlags(); err != nil {
						return usageError(cmd, err)
					}
					if err := cmd.ValidateFlagGroups(); err != nil {
						return usageError(cmd, err)
					}
					switch {
					case preE != nil:
						return preE(cmd, a)
					case pre != nil:
						pre(cmd, a)
					}
					return nil
				}
			}
			for _, sub := range c.Commands() {
				walk(sub)
			}
		}
		walk(rootCmd)
	})
}

// runGroup is the Run of a command that only groups others: alone it prints the help, as cobra does; with
// arguments, which name no subcommand, it is a usage error.
func runGroup(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's own default, which it sets only on its own path
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, ", "))
	}
	return usageError(cmd, errors.New(msg))
}
