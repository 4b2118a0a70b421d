package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func init() {
	rootCmd.Version = versionText(debug.ReadBuildInfo())
	rootCmd.SetVersionTemplate("{{.Version}}\n")
	rootCmd.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print the version, the commit and the Go version the binary was built from (also plaudit --version)",
		Long: `version prints the binary's module version ("(devel)" for a build from a checkout rather than go install
MODULE@VERSION), the commit it was built from with "(modified)" when the work tree had changes ("unknown"
when built without version control information, e.g. with -buildvcs=false), and the Go version.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), rootCmd.Version)
			return err
		},
	})
}

// versionText renders the build information as three lines: "plaudit VERSION", "commit: REVISION" and
// "go: GOVERSION". ok is false when the binary carries no build information.
func versionText(bi *debug.BuildInfo, ok bool) string {
	version, commit, goVersion := "(devel)", "unknown", runtime.Version()
	if ok && bi != nil {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
		modified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if modified && commit != "unknown" {
			commit += " (modified)"
		}
	}
	return fmt.Sprintf("plaudit %s\ncommit: %s\ngo: %s", version, commit, goVersion)
}
