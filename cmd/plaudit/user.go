package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// Panel users: local accounts of the admin panel (/admin/), with argon2id-hashed passwords.
func init() {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Create and list the admin panel's local users",
	}
	cmd.AddCommand(userCreateCmd(), userListCmd())
	rootCmd.AddCommand(cmd)
}

func userCreateCmd() *cobra.Command {
	var role string
	cmd := &cobra.Command{
		Use:   "create NAME --role admin|core|viewer",
		Short: "Create a panel user; the password is read from standard input",
		Long: `create makes a local user of the admin panel (/admin/login) with a role: admin (everything), core
(operate: rules, jobs, epochs, moderation, members) or viewer (read only). The password is the first line of
standard input (10 to 1024 bytes), so that it never appears in the shell's history or the process list:

    printf '%s\n' "$PASSWORD" | plaudit user create alice --role admin

Only its argon2id hash is stored.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			password, err := readPassword(cmd.InOrStdin())
			if err != nil {
				return err
			}
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			by := "cli"
			if u := os.Getenv("USER"); u != "" {
				by = "cli:" + u
			}
			u, err := newService(st).CreateUser(ctx, service.NewUser{Name: args[0], Role: plaudit.Role(role), Password: password, By: by})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created panel user %d: %s, role %s\n", u.ID, u.Name, u.Role)
			return nil
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "the user's `ROLE`: admin, core or viewer")
	_ = cmd.MarkFlagRequired("role")
	return cmd
}

// readPassword reads the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, service.MaxPasswordLen+2)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", plaudit.Errorf(plaudit.EINVALID, "no password on standard input: pipe it in, e.g. printf '%%s\\n' \"$PASSWORD\" | plaudit user create NAME --role admin")
	}
	return line, nil
}

func userListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List panel users: id, name, role, created (never a password)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			users, err := newService(st).Users(ctx)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, u := range users {
				fmt.Fprintf(out, "%d\t%s\t%s\t%s\n", u.ID, u.Name, u.Role, u.Created.UTC().Format("2006-01-02T15:04:05Z"))
			}
			return nil
		},
	}
}
