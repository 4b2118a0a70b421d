package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/jobs"
	"github.com/plaudit/plaudit/source/github"
)

// KindGitHubEvaluate is the job that evaluates a done GitHub conversation (an issue closed as completed, a
// merged pull request): the webhook enqueues it so that the delivery is answered at once.
const KindGitHubEvaluate = "github-evaluate"

// githubEvaluateArgs are a github-evaluate job's arguments.
type githubEvaluateArgs struct {
	Repo   string `json:"repo"`
	Number int    `json:"number"`
}

// With a github section (a webhook secret), serve answers POST /webhooks/github and runs the evaluation
// job kind.
func init() {
	addServeComponent("github", func(_ context.Context, env *serveEnv) (serveComponent, error) {
		g := env.Config.GitHub
		if !g.Configured() {
			return idleComponent{}, nil
		}
		env.API.SetGitHubWebhook(&github.Webhook{Secret: []byte(g.WebhookSecret.Value()), Repos: g.Repos, Events: env.Service, State: env.Store,
			Logger: env.Logger, Done: func(ctx context.Context, repo string, number int) error {
				s := env.Notify.scheduler()
				if s == nil {
					return errors.New("the job scheduler is not running")
				}
				args, err := json.Marshal(githubEvaluateArgs{Repo: repo, Number: number})
				if err != nil {
					return err
				}
				_, _, err = s.Trigger(ctx, KindGitHubEvaluate, args)
				return err
			}})
		env.Logger.Info("github webhook at POST /webhooks/github", "repos", g.Repos, "comment", g.Comment)
		return idleComponent{}, nil
	})
	addServeJobKind(func(env *serveEnv) (jobs.Kind, bool) {
		g := env.Config.GitHub
		if !g.Configured() {
			return jobs.Kind{}, false
		}
		return jobs.Kind{Name: KindGitHubEvaluate, UniqueByArgs: true, Run: func(ctx context.Context, raw json.RawMessage) (jobs.Outcome, error) {
			var a githubEvaluateArgs
			if err := json.Unmarshal(raw, &a); err != nil || a.Repo == "" || a.Number < 1 {
				return jobs.Outcome{}, plaudit.Errorf(plaudit.EINVALID, "%s arguments %s: want {\"repo\":\"OWNER/NAME\",\"number\":N}", KindGitHubEvaluate, raw)
			}
			c, err := github.NewClient(g.APIURL, g.Token.Value(), nil)
			if err != nil {
				return jobs.Outcome{}, err
			}
			c.Logger = env.Logger
			ev := &github.Evaluator{Client: c, Service: env.Service, PublicURL: env.Config.PublicURL, Comment: g.Comment && g.Token.Value() != "", Logger: env.Logger}
			// The language model the policy's conversation configuration may name is paid for with the
			// environment's key, as `plaudit score conversation` reads it.
			if ev.LLMKey = os.Getenv("OPENAI_API_KEY"); ev.LLMKey == "" {
				ev.LLMKey = os.Getenv("OPENROUTER_API_KEY")
			}
			if g.TaskPayouts {
				key, domain, err := env.Config.Payout.Signer()
				if err != nil {
					return jobs.Outcome{}, err
				}
				ev.TaskPayouts = &github.TaskPayouts{Key: key, Domain: domain}
			}
			res, err := ev.Evaluate(ctx, a.Repo, a.Number)
			if err != nil {
				return jobs.Outcome{}, err
			}
			note := fmt.Sprintf("evaluated %s#%d: %d contributors", a.Repo, a.Number, len(res.Rewards))
			if res.Commented {
				note += ", commented"
			}
			if st := res.Settlement; st != nil {
				note += fmt.Sprintf(", task settled: %d claims", len(st.Claims.Claims))
				if st.Already {
					note += " (settled before)"
				}
			}
			return jobs.Outcome{Items: int64(res.Accepted), Awards: int64(len(res.Rewards)), Note: note}, nil
		}}, true
	})
}

// idleComponent is a serve component with nothing to start or stop (its work is a route or a job).
type idleComponent struct{}

func (idleComponent) Start(context.Context) error { return nil }
func (idleComponent) Stop(context.Context) error  { return nil }
