package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/sqlstore"
)

// decoder walks a YAML node tree into a Config, collecting every problem with its line and field. It works
// on nodes rather than through yaml.v3's Decode, which cannot refuse unknown keys of a node or name lines.
type decoder struct {
	errs   []*plaudit.FieldError
	lookup func(string) (string, bool) // the environment
}

// field decodes the value node of one key; path is the field's dotted path, for errors.
type field func(n *yaml.Node, path string)

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.errs = append(d.errs, &plaudit.FieldError{Line: line, Index: -1, Field: path, Reason: fmt.Sprintf(format, args...)})
}

func parse(data []byte, file string, lookup func(string) (string, bool)) (*Config, error) {
	if len(data) > MaxSize {
		return nil, tooLarge(file, int64(len(data)))
	}
	c := Default()
	c.File = file
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return c, nil // an empty file (or only comments): the defaults
	} else if err != nil {
		return nil, &plaudit.ValidationError{Input: file, Errors: []*plaudit.FieldError{yamlError(err)}}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		line := extra.Line
		if err != nil {
			line = 0
		}
		return nil, &plaudit.ValidationError{Input: file, Errors: []*plaudit.FieldError{{Line: line, Index: -1, Reason: "more than one YAML document"}}}
	}
	d := &decoder{lookup: lookup}
	var githubAt *yaml.Node // the github section, for a check across sections
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	d.mapping(root, "", map[string]field{
		"store":          func(n *yaml.Node, p string) { d.store(n, p, &c.Store) },
		"listen":         func(n *yaml.Node, p string) { d.listen(n, p, &c.Listen) },
		"public_url":     func(n *yaml.Node, p string) { d.publicURL(n, p, &c.PublicURL) },
		"log_format":     func(n *yaml.Node, p string) { d.oneOf(n, p, &c.LogFormat, "text", "json") },
		"shutdown_grace": func(n *yaml.Node, p string) { d.duration(n, p, &c.ShutdownGrace) },
		"api": func(n *yaml.Node, p string) {
			d.mapping(n, p, map[string]field{
				"tokens":        func(n *yaml.Node, p string) { d.secrets(n, p, &c.API.Tokens) },
				"store_timeout": func(n *yaml.Node, p string) { d.duration(n, p, &c.API.StoreTimeout) },
				"rate_limit": func(n *yaml.Node, p string) {
					d.mapping(n, p, map[string]field{
						"per_second": func(n *yaml.Node, p string) { d.positiveNumber(n, p, &c.API.RateLimit.PerSecond) },
						"burst":      func(n *yaml.Node, p string) { d.positiveInt(n, p, &c.API.RateLimit.Burst) },
					})
				},
				"max_body_in_flight": func(n *yaml.Node, p string) { d.size(n, p, &c.API.MaxBodyInFlight) },
			})
		},
		"payout": func(n *yaml.Node, p string) {
			d.mapping(n, p, map[string]field{
				"chain_id":           func(n *yaml.Node, p string) { d.id(n, p, "a chain id", func(v int64) { c.Payout.ChainID = uint64(v) }) },
				"permit2":            func(n *yaml.Node, p string) { d.address(n, p, &c.Payout.Permit2) },
				"signer_key":         func(n *yaml.Node, p string) { d.secret(n, p, &c.Payout.SignerKey) },
				"signer_sealed":      func(n *yaml.Node, p string) { d.secret(n, p, &c.Payout.SignerSealed) },
				"x25519_private_key": func(n *yaml.Node, p string) { d.secret(n, p, &c.Payout.X25519PrivateKey) },
				"owner_id":           func(n *yaml.Node, p string) { d.id(n, p, "an owner id", func(v int64) { c.Payout.OwnerID = v }) },
				"repo_id":            func(n *yaml.Node, p string) { d.id(n, p, "a repository id", func(v int64) { c.Payout.RepoID = v }) },
			})
			switch {
			case c.Payout.SignerKey.value != "" && c.Payout.SignerSealed.value != "":
				d.fail(n, p+".signer_sealed", "give signer_key or signer_sealed, not both")
			case c.Payout.SignerSealed.value != "" && c.Payout.X25519PrivateKey.value == "":
				d.fail(n, p+".x25519_private_key", "required with signer_sealed: it opens the sealed key")
			case c.Payout.Signs() && c.Payout.ChainID == 0:
				d.fail(n, p+".chain_id", "required with a signer: claims are signed for one chain")
			}
		},
		"farcaster": func(n *yaml.Node, p string) {
			if !d.usable(n, p) {
				return
			}
			f := &Farcaster{}
			d.mapping(n, p, map[string]field{
				"webhook_secret": func(n *yaml.Node, p string) { d.secret(n, p, &f.WebhookSecret) },
				"target":         func(n *yaml.Node, p string) { d.farcasterTarget(n, p, f) },
			})
			if f.WebhookSecret.value == "" && n.Kind == yaml.MappingNode {
				d.fail(n, p+".webhook_secret", "required: POST /webhooks/neynar verifies every body with it")
			}
			if f.TargetFID == 0 && n.Kind == yaml.MappingNode {
				d.fail(n, p+".target", "required: the account whose mentions and replies are stored, as username:fid")
			}
			c.Farcaster = f
		},
		"jobs": func(n *yaml.Node, p string) {
			d.mapping(n, p, map[string]field{
				"score_every":       func(n *yaml.Node, p string) { d.duration(n, p, &c.Jobs.ScoreEvery) },
				"integrity_every":   func(n *yaml.Node, p string) { d.duration(n, p, &c.Jobs.IntegrityEvery) },
				"epoch_close_grace": func(n *yaml.Node, p string) { d.duration(n, p, &c.Jobs.EpochCloseGrace) },
				"publish_every":     func(n *yaml.Node, p string) { d.duration(n, p, &c.Jobs.PublishEvery) },
				"job_timeout":       func(n *yaml.Node, p string) { d.duration(n, p, &c.Jobs.JobTimeout) },
				"rescue_after":      func(n *yaml.Node, p string) { d.duration(n, p, &c.Jobs.RescueAfter) },
			})
			if c.Jobs.RescueAfter > 0 && c.Jobs.RescueAfter <= c.Jobs.JobTimeout {
				d.fail(n, p+".rescue_after", "must be longer than job_timeout (%s): a job still within its time is not dead", c.Jobs.JobTimeout)
			}
		},
		"github":  func(n *yaml.Node, p string) { d.github(n, p, &c.GitHub); githubAt = n },
		"x":       func(n *yaml.Node, p string) { d.x(n, p, c) },
		"discord": func(n *yaml.Node, p string) { d.discord(n, p, c) },
		"chain":   func(n *yaml.Node, p string) { d.chain(n, p, &c.Chain) },
		"search":  func(n *yaml.Node, p string) { d.search(n, p, c) },
		"bus":     func(n *yaml.Node, p string) { d.bus(n, p, c) },
	})
	d.checkDiscord(c)
	if c.GitHub.TaskPayouts && !c.Payout.Signs() {
		d.fail(githubAt, "github.task_payouts", "needs the payout section's signer (payout.signer_key or signer_sealed, and chain_id): per-task settlement signs Permit2 claims")
	}
	if len(d.errs) > 0 {
		return nil, &plaudit.ValidationError{Input: file, Errors: d.errs}
	}
	return c, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a YAML syntax error into a FieldError with its line.
func yamlError(err error) *plaudit.FieldError {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &plaudit.FieldError{Line: line, Index: -1, Reason: "YAML syntax: " + m[2]}
	}
	return &plaudit.FieldError{Index: -1, Reason: "YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// usable reports whether n holds a value to decode: an alias is refused, and null ("key:" with nothing
// after it) keeps the default.
func (d *decoder) usable(n *yaml.Node, path string) bool {
	if n.Kind == yaml.AliasNode {
		d.fail(n, path, "aliases are not allowed in a configuration file: write the value out")
		return false
	}
	return !(n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// mapping decodes a mapping whose keys must be those of fields, each at most once.
func (d *decoder) mapping(n *yaml.Node, path string, fields map[string]field) {
	if !d.usable(n, path) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping, got %s", kindName(n))
		return
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.fail(k, path, "want a plain key, got %s", kindName(k))
			continue
		}
		fp := k.Value
		if path != "" {
			fp = path + "." + k.Value
		}
		fn, ok := fields[k.Value]
		switch {
		case !ok:
			d.fail(k, fp, "unknown field (known: %s)", strings.Join(names, ", "))
		case seen[k.Value]:
			d.fail(k, fp, "given twice")
		default:
			seen[k.Value] = true
			fn(v, fp)
		}
	}
}

// str returns n's text when n is a string; a number, a boolean, a list or a mapping is an error.
func (d *decoder) str(n *yaml.Node, path, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		d.fail(n, path, "want %s, got %s", want, kindName(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) duration(n *yaml.Node, path string, dst *time.Duration) {
	if !d.usable(n, path) {
		return
	}
	const want = "a duration such as 90s, 5m or 6h"
	s, ok := d.str(n, path, want)
	if !ok {
		return
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		d.fail(n, path, "want %s, got %q", want, truncate(s, 40))
		return
	}
	if v <= 0 {
		d.fail(n, path, "want a positive duration, got %s", s)
		return
	}
	*dst = v
}

// positiveNumber decodes a number greater than 0 (at most a million).
func (d *decoder) positiveNumber(n *yaml.Node, path string, dst *float64) {
	if !d.usable(n, path) {
		return
	}
	const want = "a number greater than 0 and at most 1000000"
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		d.fail(n, path, "want %s, got %s", want, kindName(n))
		return
	}
	v, err := strconv.ParseFloat(n.Value, 64)
	if err != nil || !(v > 0 && v <= 1e6) {
		d.fail(n, path, "want %s, got %s", want, truncate(n.Value, 40))
		return
	}
	*dst = v
}

// positiveInt decodes a whole number greater than 0 (at most a million).
func (d *decoder) positiveInt(n *yaml.Node, path string, dst *int) {
	if !d.usable(n, path) {
		return
	}
	const want = "a whole number from 1 to 1000000"
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		d.fail(n, path, "want %s, got %s", want, kindName(n))
		return
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil || v < 1 || v > 1e6 {
		d.fail(n, path, "want %s, got %s", want, truncate(n.Value, 40))
		return
	}
	*dst = v
}

func (d *decoder) oneOf(n *yaml.Node, path string, dst *string, choices ...string) {
	if !d.usable(n, path) {
		return
	}
	want := strings.Join(choices, " or ")
	s, ok := d.str(n, path, want)
	if !ok {
		return
	}
	for _, c := range choices {
		if s == c {
			*dst = s
			return
		}
	}
	d.fail(n, path, "want %s, got %q", want, truncate(s, 40))
}

var hostname = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$`)

// listen checks a host:port to listen on: the host empty (every interface), an IP address or a host name;
// the port a number from 0 to 65535.
func (d *decoder) listen(n *yaml.Node, path string, dst *string) {
	if !d.usable(n, path) {
		return
	}
	const want = "an address host:port such as 127.0.0.1:8080"
	s, ok := d.str(n, path, want)
	if !ok {
		return
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		d.fail(n, path, "want %s, got %q", want, truncate(s, 40))
		return
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 || port != strconv.Itoa(p) {
		d.fail(n, path, "want a port number from 0 to 65535, got %q", truncate(port, 40))
		return
	}
	if host != "" && net.ParseIP(host) == nil && !hostname.MatchString(host) {
		d.fail(n, path, "want an IP address or a host name before the port, got %q", truncate(host, 40))
		return
	}
	*dst = s
}

// publicURL checks an absolute http or https URL without credentials, query or fragment.
func (d *decoder) publicURL(n *yaml.Node, path string, dst **url.URL) {
	if !d.usable(n, path) {
		return
	}
	const want = "an http:// or https:// URL such as https://rewards.example.org"
	s, ok := d.str(n, path, want)
	if !ok {
		return
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "":
		d.fail(n, path, "want %s, got %q", want, truncate(s, 60))
	case u.User != nil:
		d.fail(n, path, "must not hold a user name or password: it is shown in links")
	case u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "#"):
		d.fail(n, path, "must not have a query or fragment, got %q", truncate(s, 60))
	default:
		if u.Port() != "" {
			if p, err := strconv.Atoi(u.Port()); err != nil || p < 1 || p > 65535 {
				d.fail(n, path, "want a port number from 1 to 65535, got %q", truncate(u.Port(), 40))
				return
			}
		}
		u.Path = strings.TrimSuffix(u.Path, "/")
		u.RawPath = ""
		*dst = u
	}
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// envRef reads an env:NAME reference: it returns the variable's value, or records why it cannot. A value
// read from the environment never appears in an error.
func (d *decoder) envRef(n *yaml.Node, path, s string) (Secret, bool) {
	name := strings.TrimPrefix(s, "env:")
	if !envName.MatchString(name) {
		d.fail(n, path, "want env:NAME with NAME an environment variable's name (letters, digits, _), got %q", truncate(s, 60))
		return Secret{}, false
	}
	v, ok := d.lookup(name)
	if !ok {
		d.fail(n, path, "environment variable %s is not set", name)
		return Secret{}, false
	}
	if strings.TrimSpace(v) == "" {
		d.fail(n, path, "environment variable %s is empty", name)
		return Secret{}, false
	}
	return Secret{env: name, value: v}, true
}

// store reads the store: a SQLite path or a postgres:// URL, written out or as env:NAME.
func (d *decoder) store(n *yaml.Node, path string, dst *string) {
	if !d.usable(n, path) {
		return
	}
	s, ok := d.str(n, path, "a SQLite file path or a postgres:// URL")
	if !ok {
		return
	}
	fromEnv := strings.HasPrefix(s, "env:")
	if fromEnv {
		sec, ok := d.envRef(n, path, s)
		if !ok {
			return
		}
		s = sec.Value()
	}
	from := ""
	if fromEnv {
		from = " (from the environment)"
	}
	switch {
	case strings.TrimSpace(s) == "":
		d.fail(n, path, "want a SQLite file path or a postgres:// URL, got an empty string")
		return
	case sqlstore.IsPostgres(s) && strings.HasSuffix(sqlstore.Redact(s), "(malformed URL)"):
		d.fail(n, path, "malformed postgres:// URL%s", from) // never the URL itself: it may hold a password
		return
	case strings.ContainsRune(s, 0):
		d.fail(n, path, "a path cannot hold a NUL byte%s", from)
		return
	}
	*dst = s
}

// secrets reads a list of env:NAME secrets.
func (d *decoder) secrets(n *yaml.Node, path string, dst *[]Secret) {
	if !d.usable(n, path) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "want a list of env:NAME secrets, got %s", kindName(n))
		return
	}
	var out []Secret
	seen := map[string]bool{}
	for i, c := range n.Content {
		ip := fmt.Sprintf("%s[%d]", path, i)
		if c.Kind == yaml.AliasNode {
			d.usable(c, ip)
			continue
		}
		if c.Kind != yaml.ScalarNode || c.Tag != "!!str" {
			// Not kindName: a number here may be the secret itself.
			d.fail(c, ip, "want env:NAME, got a value that is not a string")
			continue
		}
		s := c.Value
		if !strings.HasPrefix(s, "env:") {
			// Not quoted back: it may be the secret itself.
			d.fail(c, ip, "write secrets as env:NAME and set the variable NAME: a secret in the file would be readable by whoever can read the file")
			continue
		}
		sec, ok := d.envRef(c, ip, s)
		if !ok {
			continue
		}
		if seen[sec.env] {
			d.fail(c, ip, "environment variable %s given twice", sec.env)
			continue
		}
		seen[sec.env] = true
		out = append(out, sec)
	}
	*dst = out
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.Tag {
	case "!!null":
		return "null"
	case "!!int", "!!float":
		return fmt.Sprintf("the number %s", truncate(n.Value, 40))
	case "!!bool":
		return fmt.Sprintf("the boolean %s", truncate(n.Value, 40))
	}
	return fmt.Sprintf("%q", truncate(n.Value, 40))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// secret decodes one env:NAME secret.
func (d *decoder) secret(n *yaml.Node, path string, dst *Secret) {
	if !d.usable(n, path) {
		return
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		d.fail(n, path, "want env:NAME, got a value that is not a string")
		return
	}
	if !strings.HasPrefix(n.Value, "env:") {
		d.fail(n, path, "write secrets as env:NAME and set the variable NAME: a secret in the file would be readable by whoever can read the file")
		return
	}
	if sec, ok := d.envRef(n, path, n.Value); ok {
		*dst = sec
	}
}

// id decodes a positive whole number below 2^53 (an id a JSON client can hold exactly).
func (d *decoder) id(n *yaml.Node, path, what string, set func(int64)) {
	if !d.usable(n, path) {
		return
	}
	want := what + ", a whole number from 1 to 2^53"
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		d.fail(n, path, "want %s, got %s", want, kindName(n))
		return
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil || v < 1 || v > 1<<53 {
		d.fail(n, path, "want %s, got %s", want, truncate(n.Value, 40))
		return
	}
	set(v)
}

// address decodes a 0x address (EIP-55 checked when mixed-case).
func (d *decoder) address(n *yaml.Node, path string, dst *string) {
	if !d.usable(n, path) {
		return
	}
	s, ok := d.str(n, path, "a 0x address")
	if !ok {
		return
	}
	if err := plaudit.CheckAddress(s); err != nil {
		d.fail(n, path, "%s", plaudit.ErrorMessage(err))
		return
	}
	*dst = s
}

// size decodes a number of bytes: a whole number, or one with a unit KiB, MiB or GiB ("64MiB"), from 1 MiB
// to 64 GiB.
func (d *decoder) size(n *yaml.Node, path string, dst *int64) {
	if !d.usable(n, path) {
		return
	}
	const want = "a size from 1MiB to 64GiB, such as 64MiB"
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!str") {
		d.fail(n, path, "want %s, got %s", want, kindName(n))
		return
	}
	s, unit := n.Value, int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if t, ok := strings.CutSuffix(s, u.suffix); ok {
			s, unit = t, u.mult
			break
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 1 || v > (64<<30)/unit || v*unit < 1<<20 {
		d.fail(n, path, "want %s, got %q", want, truncate(n.Value, 40))
		return
	}
	*dst = v * unit
}

var farcasterUsername = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// farcasterTarget decodes farcaster.target, username:fid ("shreyaspapi:830020").
func (d *decoder) farcasterTarget(n *yaml.Node, path string, f *Farcaster) {
	if !d.usable(n, path) {
		return
	}
	v, ok := d.str(n, path, "username:fid")
	if !ok {
		return
	}
	name, fid, found := strings.Cut(v, ":")
	id, err := strconv.ParseInt(fid, 10, 64)
	switch {
	case !found:
		d.fail(n, path, "want username:fid, got %q", truncate(v, 40))
	case !farcasterUsername.MatchString(name):
		d.fail(n, path, "want a Farcaster username (lower-case letters, digits, '.', '_', '-') before ':', got %q", truncate(name, 40))
	case err != nil || id < 1 || id > 1<<53:
		d.fail(n, path, "want a positive fid after ':', got %q", truncate(fid, 40))
	default:
		f.TargetUsername, f.TargetFID = name, id
	}
}

// github decodes the github section.
func (d *decoder) github(n *yaml.Node, path string, g *GitHub) {
	d.mapping(n, path, map[string]field{
		"webhook_secret": func(n *yaml.Node, p string) { d.secret(n, p, &g.WebhookSecret) },
		"token":          func(n *yaml.Node, p string) { d.secret(n, p, &g.Token) },
		"api_url": func(n *yaml.Node, p string) {
			var u *url.URL
			d.publicURL(n, p, &u)
			if u != nil {
				g.APIURL = u.String()
			}
		},
		"repos":        func(n *yaml.Node, p string) { d.repos(n, p, &g.Repos) },
		"comment":      func(n *yaml.Node, p string) { d.boolean(n, p, &g.Comment) },
		"task_payouts": func(n *yaml.Node, p string) { d.boolean(n, p, &g.TaskPayouts) },
	})
	if n.Kind == yaml.MappingNode {
		if g.Comment && g.Token.value == "" {
			d.fail(n, path+".token", "required with comment: true: posting the evaluation comment needs a token")
		}
		if g.WebhookSecret.value != "" && len(g.Repos) == 0 {
			d.fail(n, path+".repos", "required with webhook_secret: without repositories every delivery would be ignored")
		}
	}
}

var repoName = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)

// repos decodes a list of owner/name repositories, each at most once.
func (d *decoder) repos(n *yaml.Node, path string, dst *[]string) {
	if !d.usable(n, path) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "want a list of repositories OWNER/NAME, got %s", kindName(n))
		return
	}
	var out []string
	seen := map[string]bool{}
	for i, c := range n.Content {
		ip := fmt.Sprintf("%s[%d]", path, i)
		if !d.usable(c, ip) {
			continue
		}
		s, ok := d.str(c, ip, "a repository OWNER/NAME")
		if !ok {
			continue
		}
		if !repoName.MatchString(s) || strings.HasSuffix(s, "/.") || strings.HasSuffix(s, "/..") {
			d.fail(c, ip, "want a repository OWNER/NAME such as acme/widgets, got %q", truncate(s, 60))
			continue
		}
		if seen[strings.ToLower(s)] {
			d.fail(c, ip, "repository %s given twice", s)
			continue
		}
		seen[strings.ToLower(s)] = true
		out = append(out, s)
	}
	*dst = out
}

// boolean decodes true or false.
func (d *decoder) boolean(n *yaml.Node, path string, dst *bool) {
	if !d.usable(n, path) {
		return
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		d.fail(n, path, "want true or false, got %s", kindName(n))
		return
	}
	*dst = n.Value == "true" || n.Value == "True" || n.Value == "TRUE"
}

// x decodes the x section.
func (d *decoder) x(n *yaml.Node, path string, c *Config) {
	if !d.usable(n, path) {
		return
	}
	x := &X{APIURL: DefaultXAPIURL, PollEvery: 15 * time.Minute, DailyReadBudget: 2000}
	d.mapping(n, path, map[string]field{
		"bearer_token": func(n *yaml.Node, p string) { d.secret(n, p, &x.BearerToken) },
		"api_url": func(n *yaml.Node, p string) {
			var u *url.URL
			d.publicURL(n, p, &u)
			if u != nil {
				x.APIURL = u.String()
			}
		},
		"project_accounts": func(n *yaml.Node, p string) {
			d.xList(n, p, &x.ProjectAccounts, xUsername, "an X username (1-15 letters, digits or _, no @)")
		},
		"community_accounts": func(n *yaml.Node, p string) {
			d.xList(n, p, &x.CommunityAccounts, xUsername, "an X username (1-15 letters, digits or _, no @)")
		},
		"keywords":          func(n *yaml.Node, p string) { d.xList(n, p, &x.Keywords, xKeyword, "a keyword, #hashtag or $cashtag") },
		"poll_every":        func(n *yaml.Node, p string) { d.duration(n, p, &x.PollEvery) },
		"daily_read_budget": func(n *yaml.Node, p string) { d.positiveInt(n, p, &x.DailyReadBudget) },
	})
	if n.Kind == yaml.MappingNode {
		if x.BearerToken.value == "" {
			d.fail(n, path+".bearer_token", "required: X's API v2 reads only with an app bearer token (env:NAME)")
		}
		if len(x.ProjectAccounts)+len(x.CommunityAccounts)+len(x.Keywords) == 0 {
			d.fail(n, path, "give project_accounts, community_accounts or keywords: there is nothing to poll")
		}
	}
	c.X = x
}

var (
	xUsername = regexp.MustCompile(`^[A-Za-z0-9_]{1,15}$`)
	xKeyword  = regexp.MustCompile(`^[#$]?[\p{L}\p{N}_]+( [\p{L}\p{N}_]+)*$`)
)

// xList decodes a list of strings that each match re, each at most once (case-insensitively).
func (d *decoder) xList(n *yaml.Node, path string, dst *[]string, re *regexp.Regexp, want string) {
	if !d.usable(n, path) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "want a list of %s, got %s", want, kindName(n))
		return
	}
	var out []string
	seen := map[string]bool{}
	for i, c := range n.Content {
		ip := fmt.Sprintf("%s[%d]", path, i)
		if !d.usable(c, ip) {
			continue
		}
		s, ok := d.str(c, ip, want)
		if !ok {
			continue
		}
		if !re.MatchString(s) {
			d.fail(c, ip, "want %s, got %q", want, truncate(s, 60))
			continue
		}
		if seen[strings.ToLower(s)] {
			d.fail(c, ip, "%s given twice", s)
			continue
		}
		seen[strings.ToLower(s)] = true
		out = append(out, s)
	}
	*dst = out
}
