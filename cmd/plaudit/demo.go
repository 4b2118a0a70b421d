package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// demoEnv is what the demo's steps share: each step reads what earlier steps left and adds its own.
type demoEnv struct {
	cmd     *cobra.Command
	out     io.Writer
	dir     string // folder of the generated community (events.jsonl, labels.csv)
	members int
	days    int
	seed    int64

	store     plaudit.Store
	events    []plaudit.Event // the imported log, in Seq order
	directory *plaudit.Directory
	scores    []plaudit.Score   // set by the scoring step
	verdicts  []plaudit.Verdict // set by the integrity step
	extra     map[string]any    // anything else a later step needs from an earlier one
	svc       *service.Service
}

// service returns the application layer over the demo's store: every stage that touches the store goes
// through it, as the CLI and the server do.
func (env *demoEnv) service() *service.Service {
	if env.svc == nil {
		env.svc = newService(env.store)
	}
	return env.svc
}

// demoStep is one stage of the demo: generate, import, summarise, score, check, settle, verify.
type demoStep struct {
	order int
	name  string
	run   func(env *demoEnv) error
}

var demoSteps []demoStep

// registerDemoStep adds a stage to the demo; stages run by order. Files that add a capability add its stage,
// so that the demo always shows the whole pipeline.
func registerDemoStep(order int, name string, run func(env *demoEnv) error) {
	demoSteps = append(demoSteps, demoStep{order, name, run})
	sort.SliceStable(demoSteps, func(i, j int) bool { return demoSteps[i].order < demoSteps[j].order })
}

func init() {
	var members, days int
	var seed int64
	var dir string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Generate a community, import it into an embedded store and show the whole pipeline",
		Long: `demo needs no set-up: it generates a synthetic community with planted attackers, imports it into a
fresh embedded store (a temporary SQLite file unless --db is given), and prints what Plaudit knows, then runs
every later stage of the pipeline on it, through the same application layer as every other command. It
refuses a --db store that already holds events: the demo activates its own policies and closes epochs, which
have no place in a real store.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env := &demoEnv{cmd: cmd, out: cmd.OutOrStdout(), members: members, days: days, seed: seed, dir: dir, extra: map[string]any{}}
			if env.dir == "" {
				tmp, err := os.MkdirTemp("", "plaudit-demo-")
				if err != nil {
					return fmt.Errorf("demo: make temp dir: %w", err)
				}
				defer os.RemoveAll(tmp)
				env.dir = tmp
			}
			start := time.Now()
			for _, s := range demoSteps {
				if err := s.run(env); err != nil {
					return fmt.Errorf("demo %s: %w", s.name, err)
				}
			}
			if env.store != nil {
				if err := env.store.Close(); err != nil {
					return fmt.Errorf("demo: close store: %w", err)
				}
			}
			fmt.Fprintf(env.out, "\ndemo finished in %s\n", time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().IntVar(&members, "members", 500, "members in the generated community")
	cmd.Flags().IntVar(&days, "days", 14, "days of activity to generate")
	cmd.Flags().Int64Var(&seed, "seed", 1, "random seed: the same seed gives the same community")
	cmd.Flags().StringVar(&dir, "dir", "", "keep the generated files in this folder instead of a temporary one")
	rootCmd.AddCommand(cmd)
}
