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
	"log/slog"
	"os"
	"os/signal"
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

func init() {
	rootCmd.PersistentFlags().StringVar(&dbFlag, "db", "", "store: a SQLite file path or a postgres:// URL (default $PLAUDIT_DATABASE_URL, else plaudit.db in the user data directory)")
}

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := rootCmd.ExecuteContext(ctx)
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
