package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit/config"
	"github.com/plaudit/plaudit/sqlstore"
)

func init() {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check plaudit serve's configuration file, or print a commented example",
		Long: `config works with the YAML file of plaudit serve --config (reference: docs/operations.md).
Secrets are written env:NAME in the file and read from the environment.`,
	}
	check := &cobra.Command{
		Use:   "check FILE",
		Short: "Validate a configuration file: every problem with its line and field, exit status 2 if any",
		Long: `check reads FILE as plaudit serve would, including the env:NAME secrets it names, and prints
"FILE: ok" with the store and address serve would use (passwords masked), or every problem with its line
and field and exits with status 2.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(args[0])
			if err != nil {
				return err
			}
			dsn, from, err := serveStoreDSN(cfg)
			if err != nil {
				return err
			}
			tokens := "no API tokens (loopback clients only)"
			if n := len(cfg.APITokens()); n > 0 {
				tokens = fmt.Sprintf("%d API token(s)", n)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s: ok\n", args[0])
			fmt.Fprintf(out, "  store %s (%s), listen %s, %s\n", sqlstore.Redact(dsn), from, cfg.Listen, tokens)
			return nil
		},
	}
	example := &cobra.Command{
		Use:   "example",
		Short: "Print a fully commented example configuration file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(config.Example)
			return err
		},
	}
	cmd.AddCommand(check, example)
	rootCmd.AddCommand(cmd)
}

// serveStoreDSN says which store plaudit serve uses with cfg and where that choice came from: an explicit
// --db flag, then the file's store, then $PLAUDIT_DATABASE_URL, then plaudit.db in the user data directory.
func serveStoreDSN(cfg *config.Config) (dsn, from string, err error) {
	if dbFlag == "" && cfg.Store != "" {
		return cfg.Store, "from " + cfg.File, nil
	}
	dsn, from, err = storeDSN()
	if err != nil {
		return "", "", err
	}
	switch from {
	case "--db":
		if cfg.Store != "" {
			return dsn, "from --db, which wins over the file's store", nil
		}
		return dsn, "from --db", nil
	case "default":
		return dsn, "the default", nil
	}
	return dsn, "from " + from, nil
}
