package agent

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/plaudit/plaudit"
)

// Config is the witness process's YAML file (`plaudit witness --config FILE`, docs/witness.md).
type Config struct {
	// API is the operator's API base URL, e.g. https://plaudit.example.org.
	API string `yaml:"api"`
	// APIKeyEnv names the environment variable holding the witness API key (default PLAUDIT_WITNESS_API_KEY).
	APIKeyEnv string `yaml:"api_key_env"`
	// KeyEnv names the environment variable holding the witness's secp256k1 key, 64 hex digits (default
	// PLAUDIT_WITNESS_KEY).
	KeyEnv string `yaml:"key_env"`
	// Store is the witness's own store (a SQLite path or a postgres:// URL), where it records what it signed.
	Store string `yaml:"store"`
	// Interval is how often it looks for epochs to attest (default 1m).
	Interval time.Duration `yaml:"interval"`
}

// The defaults of Config.
const (
	DefaultKeyEnv    = "PLAUDIT_WITNESS_KEY"
	DefaultAPIKeyEnv = "PLAUDIT_WITNESS_API_KEY"
	DefaultInterval  = time.Minute
)

// LoadConfig reads and checks a witness config file; unknown keys and missing values are refused naming
// the file, line and key.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("witness config: %w", err)
	}
	return ParseConfig(data, path)
}

// ParseConfig is LoadConfig on bytes; name names them in errors.
func ParseConfig(data []byte, name string) (*Config, error) {
	c := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if c.KeyEnv == "" {
		c.KeyEnv = DefaultKeyEnv
	}
	if c.APIKeyEnv == "" {
		c.APIKeyEnv = DefaultAPIKeyEnv
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	switch {
	case c.API == "":
		return nil, plaudit.Errorf(plaudit.EINVALID, "%s: api: missing: the operator's API base URL", name)
	case !strings.HasPrefix(c.API, "http://") && !strings.HasPrefix(c.API, "https://"):
		return nil, plaudit.Errorf(plaudit.EINVALID, "%s: api: want an http:// or https:// URL", name)
	case c.Store == "":
		return nil, plaudit.Errorf(plaudit.EINVALID, "%s: store: missing: the witness's own store (a SQLite path)", name)
	case c.Interval < time.Second:
		return nil, plaudit.Errorf(plaudit.EINVALID, "%s: interval: at least 1s", name)
	}
	return c, nil
}
