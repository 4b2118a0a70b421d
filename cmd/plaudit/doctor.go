package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit/service"
)

// errDoctorFound is doctor's failure when it found something: exit status 1, like a linter's.
type errDoctorFound struct{ n int }

func (e errDoctorFound) Error() string {
	return fmt.Sprintf("doctor: %d stored values break today's rules (listed above; nothing was changed)", e.n)
}

func init() {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "List the stored events and members that today's validation would refuse (changes nothing)",
		Long: `doctor reads the whole event log and lists what today's validation would refuse — a wallet without a
valid EIP-55 checksum, a member handle with a space or a right-to-left override, a time that is not strict
RFC 3339, an attribute a scorer cannot read — one line per problem: the event's key (or the member's
handle), the field and the reason. Events stored before a rule was made stay in the log and keep working
(a scorer scores what it cannot read 0, with the reason); nothing is rewritten. The exit status is 0 when
the store is clean, 1 when doctor found something (or could not read the store), 2 for bad usage. --json
prints the report as one JSON object.`,
		Example: "  plaudit doctor\n  plaudit doctor --json | jq '.findings[] | select(.field == \"attrs.address\")'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			progress, done := stageProgress()
			r, err := newService(st).Doctor(ctx, progress)
			done()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				if err := enc.Encode(r); err != nil {
					return fmt.Errorf("doctor: write the report: %w", err)
				}
			} else {
				writeDoctor(cmd, r)
			}
			if !r.Clean() {
				return errDoctorFound{len(r.Findings)}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	rootCmd.AddCommand(cmd)
}

// writeDoctor prints the report as a table and a summary line.
func writeDoctor(cmd *cobra.Command, r *service.DoctorReport) {
	out := cmd.OutOrStdout()
	if r.Clean() {
		fmt.Fprintf(out, "doctor: %d events, %d members: clean\n", r.Events, r.Members)
		return
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tEVENT OR MEMBER\tFIELD\tREASON")
	for _, f := range r.Findings {
		seq, subject := "-", "member "+strconv.Quote(f.Member)
		if f.Event != "" {
			seq, subject = strconv.FormatInt(f.Seq, 10), strconv.Quote(f.Event)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", seq, subject, f.Field, f.Reason)
	}
	tw.Flush()
	fmt.Fprintf(out, "doctor: %d events, %d members: %d problems (the store keeps working; nothing was changed)\n", r.Events, r.Members, len(r.Findings))
}
