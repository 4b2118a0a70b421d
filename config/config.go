// Package config reads the configuration file of `plaudit serve`: where the store is, where to listen,
// the public URL, the log format, the API's tokens, the shutdown grace and the background jobs' intervals.
//
// Decoding is strict, like policies': an unknown key, a repeated key, a value of the wrong type or an
// invalid duration, URL or address is an error naming the file, the line and the field, and every problem
// is reported at once (a *plaudit.ValidationError, which the CLI answers with exit status 2).
//
// Secrets never live in the file: a secret is written env:NAME and read from the environment variable NAME
// when the file is loaded (see Secret). The store may be written either way, since a PostgreSQL URL can hold
// a password.
package config

import (
	_ "embed"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/sqlstore"
)

// Defaults of the settings a file leaves out.
const (
	DefaultListen          = "127.0.0.1:8080"
	DefaultLogFormat       = "text"
	DefaultShutdownGrace   = 30 * time.Second
	DefaultStoreTimeout    = 5 * time.Second
	DefaultScoreEvery      = time.Minute
	DefaultIntegrityEvery  = 6 * time.Hour
	DefaultEpochCloseGrace = time.Hour
	DefaultPublishEvery    = time.Minute
	DefaultJobTimeout      = time.Hour
	DefaultRescueAfter     = time.Hour + 15*time.Minute
	DefaultRatePerSecond   = 50
	DefaultRateBurst       = 100
	// DefaultMaxBodyInFlight is api.max_body_in_flight's default: two full-size bodies (as the API's own
	// default, api.DefaultMaxBodyInFlight).
	DefaultMaxBodyInFlight = 64 << 20
)

// MaxSize is the largest configuration file accepted: far more than any real one, small enough that a
// wrong file (a database, a log) is refused at once.
const MaxSize = 1 << 20

// TokensEnv is the environment variable that holds the API's tokens, comma-separated, when the file lists
// none under api.tokens: how tokens were given before there was a file, and still work.
const TokensEnv = "PLAUDIT_API_TOKENS"

// Example is the commented example configuration that `plaudit config example` prints; the repository's
// plaudit.example.yml is a copy of it.
//
//go:embed plaudit.example.yml
var Example []byte

// Config is a configuration file of `plaudit serve`, decoded, checked and with its defaults filled in.
type Config struct {
	// File names the file the configuration was read from, for messages.
	File string
	// Store is the store's DSN: a SQLite path or a postgres:// URL, which may hold a password (show it with
	// sqlstore.Redact). Empty when the file does not say: then PLAUDIT_DATABASE_URL, else plaudit.db in the
	// user data directory.
	Store string
	// Listen is the API's host:port.
	Listen string
	// PublicURL is the address people and bots reach the server at, for the links they hand out; nil when
	// not given.
	PublicURL *url.URL
	// LogFormat is text or json.
	LogFormat string
	// ShutdownGrace is how long requests in flight may take to finish after SIGTERM or SIGINT.
	ShutdownGrace time.Duration
	// API configures the HTTP API.
	API API
	// Jobs holds the background jobs' intervals.
	Jobs Jobs
	// Payout says how the server signs the Permit2 claims it hands out (GET /v1/epochs/{id}/claims).
	Payout Payout
	// Farcaster configures the Neynar webhook source (POST /webhooks/neynar); nil when the file has no
	// farcaster section, and then the route is not served.
	Farcaster *Farcaster
	// GitHub configures the GitHub source (POST /webhooks/github, plaudit github backfill).
	GitHub GitHub
	// X configures the X source (the x-poll job, plaudit x poll); nil when the file has no x section, and
	// then X is not polled.
	X *X
	// Discord configures the Discord bot (POST /discord/interactions, plaudit discord register); nil when
	// the file has no discord section (config/discord.go).
	Discord *Discord
	// Chain is the JSON-RPC node the member portal reads claims' statuses from (config/chain.go).
	Chain Chain
	// Search configures search (search.embeddings); nil when the file has no search section.
	Search *Search
	// Bus is the NATS JetStream bus between receivers and workers (config/bus.go); nil when the file has
	// no bus section, and then events are stored by the process that receives them.
	Bus *Bus
}

// DefaultXAPIURL is x.api_url's default: X's API v2.
const DefaultXAPIURL = "https://api.x.com"

// X is the x section: the app bearer token and API address, the accounts and keywords polled, how often,
// and how many posts and users may be read per UTC day (X charges per read).
type X struct {
	// BearerToken is the X app's bearer token (x.bearer_token, env:NAME).
	BearerToken Secret
	// APIURL is the API's address (x.api_url), DefaultXAPIURL unless set: a test fake's.
	APIURL string
	// ProjectAccounts and CommunityAccounts are the tracked usernames, without @ (x.project_accounts,
	// x.community_accounts): their posts, replies and quotes and the mentions of them are read.
	ProjectAccounts, CommunityAccounts []string
	// Keywords are the searched keywords, #hashtags and $cashtags (x.keywords).
	Keywords []string
	// PollEvery is the x-poll job's interval (x.poll_every, 15m unless set).
	PollEvery time.Duration
	// DailyReadBudget is how many posts and users may be read per UTC day (x.daily_read_budget, 2000
	// unless set).
	DailyReadBudget int
}

// Farcaster is the farcaster section: the Neynar webhook's signing secret, and the account whose mentions
// and replies the source stores (the active campaign's target, written username:fid).
type Farcaster struct {
	// WebhookSecret is the secret Neynar signs each webhook body with (HMAC-SHA512, X-Neynar-Signature).
	WebhookSecret Secret
	// TargetUsername and TargetFID are the campaign's account: a cast is stored when it mentions it or
	// replies to one of its casts.
	TargetUsername string
	TargetFID      int64
}

// DefaultGitHubAPIURL is github.api_url's default: GitHub's REST API.
const DefaultGitHubAPIURL = "https://api.github.com"

// GitHub is the github section: the GitHub source's webhook secret, REST token and address, the
// repositories whose events are accepted, and whether an evaluation comment is posted on a done issue.
// POST /webhooks/github answers 401 to everything until a webhook secret is set.
type GitHub struct {
	// WebhookSecret verifies X-Hub-Signature-256 of each webhook delivery (github.webhook_secret).
	WebhookSecret Secret
	// Token authenticates REST reads, comments and backfills (github.token); without one, reads are
	// anonymous (60 requests an hour) and no comment is posted.
	Token Secret
	// APIURL is the REST API's address (github.api_url), DefaultGitHubAPIURL unless set: a GitHub
	// Enterprise server's or a test fake's.
	APIURL string
	// Repos are the repositories (owner/name) whose events are accepted (github.repos).
	Repos []string
	// Comment posts the evaluation comment on an issue closed as completed (github.comment).
	Comment bool
	// TaskPayouts settles each issue closed as completed at once into Permit2 claims when the active
	// policy's program settles per task (github.task_payouts; program.settlement: task); it needs the payout
	// section's signer.
	TaskPayouts bool
}

// Configured reports whether the github section enables the webhook (it has a secret).
func (g GitHub) Configured() bool { return g.WebhookSecret.value != "" }

// Payout is the payout section. With a signer key (plain, or sealed with the X25519 key that opens it)
// and a chain id, the server signs each closed epoch's Permit2 claims on request; without one those
// requests are answered 503. Claims are signed deterministically and never expire (as Ubiquity's), so
// signing an epoch again gives the same bytes.
type Payout struct {
	ChainID uint64 // EIP-155 chain id of the token and Permit2
	Permit2 string // the Permit2 contract; payout.CanonicalPermit2 when empty
	// SignerKey is the hex secp256k1 key whose tokens the claims move (as PLAUDIT_SIGNER_KEY).
	SignerKey Secret
	// SignerSealed and X25519PrivateKey are the sealed form (as PLAUDIT_SIGNER_SEALED and
	// PLAUDIT_X25519_PRIVATE_KEY), bound to OwnerID and RepoID.
	SignerSealed, X25519PrivateKey Secret
	OwnerID, RepoID                int64
}

// Signs reports whether the payout section configures a signer.
func (p Payout) Signs() bool { return p.SignerKey.value != "" || p.SignerSealed.value != "" }

// Signer returns the signer configuration and EIP-712 domain of the payout section.
func (p Payout) Signer() (payout.SignerConfig, payout.Domain, error) {
	d := payout.Domain{ChainID: p.ChainID, Permit2: payout.CanonicalPermit2}
	if p.Permit2 != "" {
		a, err := payout.ParseAddress(p.Permit2)
		if err != nil {
			return payout.SignerConfig{}, d, fmt.Errorf("payout.permit2: %w", err)
		}
		d.Permit2 = a
	}
	return payout.SignerConfig{Key: p.SignerKey.value, Sealed: p.SignerSealed.value, X25519PrivateKey: p.X25519PrivateKey.value,
		OwnerID: p.OwnerID, RepoID: p.RepoID}, d, nil
}

// API is the api section: who may call the API and how long it waits on the store.
type API struct {
	// Tokens are the accepted bearer tokens; when empty, PLAUDIT_API_TOKENS is used (see Config.APITokens).
	Tokens []Secret
	// StoreTimeout bounds the wait on the store of each request that writes events; past it the client is
	// told 503 and to retry.
	StoreTimeout time.Duration
	// RateLimit is each API key's token bucket (api.rate_limit).
	RateLimit RateLimit
	// MaxBodyInFlight bounds the bytes of request bodies the server receives at once
	// (api.max_body_in_flight); past it a request with a body is answered 503 with Retry-After.
	MaxBodyInFlight int64
}

// RateLimit is the api.rate_limit section: every API key (and token) may make PerSecond requests a second
// on average, in bursts of up to Burst; past it the API answers 429 with Retry-After.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// Jobs is the jobs section: how often the scheduler runs each background job.
type Jobs struct {
	ScoreEvery      time.Duration // score new events under the active policy this often
	IntegrityEvery  time.Duration // run the integrity checks this often
	EpochCloseGrace time.Duration // close an epoch this long after it ends, so that late events count
	PublishEvery    time.Duration // publish the witnessed epochs that are due this often (the publish job)
	JobTimeout      time.Duration // one attempt of a job may run this long before it is cancelled
	RescueAfter     time.Duration // a job still "running" this long after it began is taken for dead (its process crashed) and retried
}

// Default returns the configuration of a file that sets nothing.
func Default() *Config {
	return &Config{
		Listen:        DefaultListen,
		LogFormat:     DefaultLogFormat,
		ShutdownGrace: DefaultShutdownGrace,
		API: API{StoreTimeout: DefaultStoreTimeout, RateLimit: RateLimit{PerSecond: DefaultRatePerSecond, Burst: DefaultRateBurst},
			MaxBodyInFlight: DefaultMaxBodyInFlight},
		Jobs: Jobs{ScoreEvery: DefaultScoreEvery, IntegrityEvery: DefaultIntegrityEvery, EpochCloseGrace: DefaultEpochCloseGrace,
			PublishEvery: DefaultPublishEvery, JobTimeout: DefaultJobTimeout, RescueAfter: DefaultRescueAfter},
		GitHub: GitHub{APIURL: DefaultGitHubAPIURL},
	}
}

// Load reads and checks the configuration file at path.
func Load(path string) (*Config, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "read config %s: %v", path, err)
	}
	if fi.Size() > MaxSize {
		return nil, tooLarge(path, fi.Size())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "read config %s: %v", path, err)
	}
	return Parse(data, path)
}

func tooLarge(file string, size int64) error {
	return &plaudit.ValidationError{Input: file, Errors: []*plaudit.FieldError{{Index: -1,
		Reason: fmt.Sprintf("too large for a configuration file: %d bytes, at most %d", size, MaxSize)}}}
}

// Parse decodes and checks a configuration file; file names it in errors. Secrets are read from the
// environment now, so that a missing variable is found before the server starts. A file with problems
// gives a *plaudit.ValidationError listing each with its line and field; an empty file is the defaults.
func Parse(data []byte, file string) (*Config, error) {
	return parse(data, file, os.LookupEnv)
}

// APITokens returns the API's bearer tokens: those of api.tokens, or else the comma-separated ones of
// $PLAUDIT_API_TOKENS. None means the API has no authentication.
func (c *Config) APITokens() []string {
	var out []string
	for _, s := range c.API.Tokens {
		out = append(out, s.Value())
	}
	if len(out) > 0 {
		return out
	}
	for _, t := range strings.Split(os.Getenv(TokensEnv), ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// String describes the configuration with every secret left out and the store's password masked.
func (c Config) String() string {
	store := "(default)"
	if c.Store != "" {
		store = sqlstore.Redact(c.Store)
	}
	public := ""
	if c.PublicURL != nil {
		public = c.PublicURL.String()
	}
	return fmt.Sprintf("store=%s listen=%s public_url=%s log_format=%s shutdown_grace=%s api.tokens=%d api.store_timeout=%s api.rate_limit=%g/s,burst=%d api.max_body_in_flight=%d jobs.score_every=%s jobs.integrity_every=%s jobs.epoch_close_grace=%s jobs.publish_every=%s jobs.job_timeout=%s jobs.rescue_after=%s payout.chain_id=%d payout.signer=%t",
		store, c.Listen, public, c.LogFormat, c.ShutdownGrace, len(c.API.Tokens), c.API.StoreTimeout, c.API.RateLimit.PerSecond, c.API.RateLimit.Burst,
		c.API.MaxBodyInFlight, c.Jobs.ScoreEvery, c.Jobs.IntegrityEvery, c.Jobs.EpochCloseGrace, c.Jobs.PublishEvery, c.Jobs.JobTimeout, c.Jobs.RescueAfter,
		c.Payout.ChainID, c.Payout.Signs())
}

// GoString is String, so that %#v cannot print a secret either.
func (c Config) GoString() string { return "config.Config{" + c.String() + "}" }

// LogValue logs the configuration as String does: no secret, no password.
func (c Config) LogValue() slog.Value {
	store := "(default)"
	if c.Store != "" {
		store = sqlstore.Redact(c.Store)
	}
	attrs := []slog.Attr{slog.String("file", c.File), slog.String("store", store), slog.String("listen", c.Listen)}
	if c.PublicURL != nil {
		attrs = append(attrs, slog.String("public_url", c.PublicURL.String()))
	}
	attrs = append(attrs, slog.String("log_format", c.LogFormat), slog.Duration("shutdown_grace", c.ShutdownGrace),
		slog.Int("api_tokens", len(c.API.Tokens)))
	return slog.GroupValue(attrs...)
}

// Secret is a value read from the environment: written env:NAME in the file, it holds the value of the
// variable NAME. It never shows the value: String, GoString, LogValue and MarshalText give env:NAME, so a
// Secret can be logged or printed by mistake without harm. Value returns the secret itself.
type Secret struct {
	env   string
	value string
}

// Value returns the secret.
func (s Secret) Value() string { return s.value }

// Env returns the name of the environment variable the secret came from.
func (s Secret) Env() string { return s.env }

// String returns env:NAME, never the value.
func (s Secret) String() string { return "env:" + s.env }

// GoString returns env:NAME, never the value.
func (s Secret) GoString() string { return s.String() }

// LogValue logs env:NAME, never the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText encodes env:NAME, never the value, so that JSON or YAML of a configuration stays clean.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
