package config_test

import (
	"strings"
	"testing"

	"github.com/plaudit/plaudit/config"
)

// TestGitHubTaskPayouts: github.task_payouts turns per-task settlement on, and needs the payout signer.
func TestGitHubTaskPayouts(t *testing.T) {
	t.Setenv("PLAUDIT_TEST_GH_SECRET", "s3cret-hook")
	t.Setenv("PLAUDIT_TEST_SIGNER", "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
	gh := "github:\n  webhook_secret: env:PLAUDIT_TEST_GH_SECRET\n  repos: [acme/widgets]\n  task_payouts: true\n"
	c, err := config.Parse([]byte(gh+"payout:\n  chain_id: 100\n  signer_key: env:PLAUDIT_TEST_SIGNER\n"), "serve.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !c.GitHub.TaskPayouts {
		t.Fatalf("task_payouts not read: %+v", c.GitHub)
	}
	_, err = config.Parse([]byte(gh), "serve.yml")
	if err == nil || !strings.Contains(err.Error(), "github.task_payouts") || !strings.Contains(err.Error(), "signer") {
		t.Fatalf("task_payouts without a signer: %v", err)
	}
	_, err = config.Parse([]byte(strings.Replace(gh, "true", "yes please", 1)), "serve.yml")
	if err == nil || !strings.Contains(err.Error(), "github.task_payouts") {
		t.Fatalf("task_payouts not a boolean: %v", err)
	}
}

// TestSearchEmbeddings: the search.embeddings section, and its required keys.
func TestSearchEmbeddings(t *testing.T) {
	t.Setenv("PLAUDIT_TEST_OPENAI", "sk-secret-key")
	c, err := config.Parse([]byte("search:\n  embeddings:\n    endpoint: https://api.openai.com/v1\n    model: text-embedding-3-small\n    api_key: env:PLAUDIT_TEST_OPENAI\n    dimensions: 256\n"), "serve.yml")
	if err != nil {
		t.Fatal(err)
	}
	e := c.Search.Embeddings
	if e == nil || e.Endpoint != "https://api.openai.com/v1" || e.Model != "text-embedding-3-small" || e.APIKey.Value() != "sk-secret-key" || e.Dimensions != 256 {
		t.Fatalf("embeddings %+v", e)
	}
	_, err = config.Parse([]byte("search:\n  embeddings:\n    endpoint: https://api.openai.com/v1\n"), "serve.yml")
	if err == nil || !strings.Contains(err.Error(), "search.embeddings.model") {
		t.Fatalf("no model: %v", err)
	}
}
