package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	_ "github.com/plaudit/plaudit/score" // registers the scorers policies name
	"github.com/plaudit/plaudit/service"
)

// loadPolicy reads a policy file, or a shipped preset given as "preset:NAME", and returns it with the text
// it was read from (what `policy activate` stores).
func loadPolicy(name string) (*policy.Policy, []byte, error) {
	var data []byte
	var err error
	if preset, ok := strings.CutPrefix(name, "preset:"); ok {
		data, err = policy.PresetSource(preset)
	} else {
		data, err = os.ReadFile(name)
		if err != nil {
			return nil, nil, plaudit.Errorf(plaudit.EINVALID, "read policy %s: %v", name, unwrapPathError(err))
		}
	}
	if err != nil {
		return nil, nil, err
	}
	p, err := policy.Parse(data, name)
	if err != nil {
		return nil, nil, err
	}
	return p, data, nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func init() {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Validate, show, compare and activate reward policies",
		Long: `A policy is a YAML document: which scorers apply to which sources and kinds of events, with which
parameters, and the reward program it belongs to. FILE is a path or a shipped preset, preset:NAME (` + strings.Join(policy.PresetNames(), ", ") + `).
See docs/scoring.md.`,
	}
	validate := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check policies; print each one's hash, or every problem with its line and field",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var failed []error
			for _, name := range args {
				p, _, err := loadPolicy(name)
				if err != nil {
					failed = append(failed, err)
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: ok, %s version %d, %s\n", name, p.Name, p.Version, p.Hash())
			}
			return errors.Join(failed...)
		},
	}
	show := &cobra.Command{
		Use:   "show FILE",
		Short: "Print the effective policy: every field, defaults filled in, with its hash",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, _, err := loadPolicy(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "# %s\n", p.Hash())
			_, err = cmd.OutOrStdout().Write(p.YAML())
			return err
		},
	}
	diff := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Compare two policies field by field, defaults included",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, _, err := loadPolicy(args[0])
			if err != nil {
				return err
			}
			b, _, err := loadPolicy(args[1])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "--- %s %s\n+++ %s %s\n", args[0], a.Hash(), args[1], b.Hash())
			changes := policy.Diff(a, b)
			if len(changes) == 0 {
				fmt.Fprintln(out, "no differences")
				return nil
			}
			return policy.WriteDiff(out, changes)
		},
	}
	var histDiffs, histJSON bool
	history := &cobra.Command{
		Use:   "history",
		Short: "The activated policies, newest first, each with what changed against the one it replaced",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			h, err := newService(st).PolicyHistory(ctx)
			if err != nil {
				return err
			}
			return writePolicyHistory(cmd.OutOrStdout(), h, histDiffs, histJSON)
		},
	}
	history.Flags().BoolVar(&histDiffs, "diff", false, "print each version's changes field by field")
	history.Flags().BoolVar(&histJSON, "json", false, "print one JSON object per version")
	var by string
	activate := &cobra.Command{
		Use:   "activate FILE",
		Short: "Make a policy the active one: `plaudit score` scores under it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, doc, err := loadPolicy(args[0])
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			p, err := newService(st).ActivatePolicy(ctx, doc, args[0], by)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "active policy: %s version %d, %s\nrun `plaudit score` to score the log under it (a running `plaudit serve` rescores by itself; an epoch close rescores when it must)\n", p.Name, p.Version, p.Hash())
			return nil
		},
	}
	activate.Flags().StringVar(&by, "by", os.Getenv("USER"), "who activates the policy, for the record")
	presets := &cobra.Command{
		Use:   "presets",
		Short: "List the shipped presets",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, name := range policy.PresetNames() {
				p, err := policy.Preset(name)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "preset:%-14s %s\n", name, p.Description)
			}
			return nil
		},
	}
	cmd.AddCommand(validate, show, diff, history, activate, presets)
	rootCmd.AddCommand(cmd)
}

// writePolicyHistory prints the policy history: a line per activation, and with diffs each one's changes.
func writePolicyHistory(out io.Writer, h []service.PolicyVersion, diffs, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(out)
		for _, v := range h {
			if err := enc.Encode(v); err != nil {
				return err
			}
		}
		return nil
	}
	if len(h) == 0 {
		fmt.Fprintln(out, "no policy was ever activated: activate one with `plaudit policy activate FILE`")
		return nil
	}
	for i, v := range h {
		state := ""
		if i == 0 {
			state = " (active)"
		}
		change := "first activation"
		if v.Previous != "" {
			change = fmt.Sprintf("%d changes against %s", len(v.Changes), v.Previous)
		}
		fmt.Fprintf(out, "%s  %s v%d  %s%s  by %s: %s\n", v.ActivatedAt.Format(time.RFC3339), v.Name, v.Version, v.Hash, state, orDash(v.ActivatedBy), change)
		if diffs && len(v.Changes) > 0 {
			if err := policy.WriteDiff(out, v.Changes); err != nil {
				return err
			}
		}
	}
	return nil
}
