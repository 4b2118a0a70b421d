package conversation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	"gopkg.in/yaml.v3"
)

// ParseUbiquityConfig reads a Ubiquity text-conversation-rewards plugin configuration — the plugin's `with:`
// block, as JSON or YAML, or a whole plugin entry with `plugin:` and `with:` — into a Config in compatibility
// mode. Delivery sections that change no reward (payment, permits, data collection, the GitHub comment, ...)
// are accepted as they are; reward modules Plaudit does not implement (simplificationIncentivizer,
// externalContent, a non-empty eventIncentives, requirePriceLabel "auto") are errors naming them; the
// sections it uses are checked strictly, and an error names the offending field by its path
// ("incentives.formattingEvaluator.multipliers[2].rewards.html.p.score"). Defaults are Ubiquity's.
func ParseUbiquityConfig(data []byte) (Config, error) {
	root, err := decodeTree(data)
	if err != nil {
		return Config{}, fmt.Errorf("ubiquity config: %w", err)
	}
	obj, ok := root.(map[string]any)
	if !ok {
		return Config{}, fmt.Errorf("ubiquity config: want an object at the top level, got %s", typeName(root))
	}
	if w, ok := obj["with"]; ok {
		if obj, ok = w.(map[string]any); !ok {
			return Config{}, fieldErr("with", "want an object, got %s", typeName(w))
		}
	}
	p := &cfgParser{}
	c := p.parse(obj)
	if p.err != nil {
		return Config{}, p.err
	}
	c.Compat = true
	return c, nil
}

// decodeTree decodes JSON (numbers kept as json.Number) or, failing that, YAML into a generic tree.
func decodeTree(data []byte) (any, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("empty configuration")
	}
	if trimmed[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("JSON: %w", err)
		}
		if dec.More() {
			return nil, fmt.Errorf("JSON: trailing data after the configuration object")
		}
		return v, nil
	}
	var n yaml.Node
	if err := yaml.Unmarshal(trimmed, &n); err != nil {
		return nil, fmt.Errorf("YAML: %w", err)
	}
	return fromYAML(&n, "")
}

// fromYAML converts a YAML node into the same shapes encoding/json produces, numbers as json.Number.
func fromYAML(n *yaml.Node, path string) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return fromYAML(n.Content[0], path)
	case yaml.AliasNode:
		return nil, fieldErr(path, "YAML aliases are not supported (line %d)", n.Line)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if _, dup := m[k]; dup {
				return nil, fieldErr(join(path, k), "duplicate key (line %d)", n.Content[i].Line)
			}
			v, err := fromYAML(n.Content[i+1], join(path, k))
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			v, err := fromYAML(c, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int", "!!float":
			if _, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err != nil {
				return nil, fieldErr(path, "bad number %q (line %d)", n.Value, n.Line)
			}
			return json.Number(strings.ReplaceAll(n.Value, "_", "")), nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, fieldErr(path, "bad boolean %q (line %d)", n.Value, n.Line)
			}
			return b, nil
		case "!!null":
			return nil, nil
		default:
			return n.Value, nil
		}
	}
	return nil, fieldErr(path, "unsupported YAML node (line %d)", n.Line)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// ConfigError is a configuration problem at one field.
type ConfigError struct {
	Field  string // dotted path, e.g. incentives.reviewIncentivizer.baseRate
	Reason string
}

// Error implements error: "ubiquity config: FIELD: REASON".
func (e *ConfigError) Error() string {
	return fmt.Sprintf("ubiquity config: %s: %s", e.Field, e.Reason)
}

func fieldErr(field, format string, args ...any) error {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// cfgParser walks the tree, keeping the first error.
type cfgParser struct{ err error }

func (p *cfgParser) fail(field, format string, args ...any) {
	if p.err == nil {
		p.err = fieldErr(field, format, args...)
	}
}

// object returns v as an object and checks its keys against known (nil known accepts any key).
func (p *cfgParser) object(v any, path string, known ...string) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		p.fail(path, "want an object, got %s", typeName(v))
		return nil
	}
	if known != nil {
		for _, k := range sortedKeys(m) {
			found := false
			for _, kk := range known {
				if k == kk {
					found = true
					break
				}
			}
			if !found {
				p.fail(join(path, k), "unknown field (known: %s)", strings.Join(known, ", "))
			}
		}
	}
	return m
}

// number reads a JSON number as decimal.js would see it: through a JavaScript number.
func (p *cfgParser) number(v any, path string) decimal.Decimal {
	n, ok := v.(json.Number)
	if !ok {
		p.fail(path, "want a number, got %s", typeName(v))
		return decimal.Zero
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		p.fail(path, "bad number %s", n)
		return decimal.Zero
	}
	return fromFloat(f)
}

func (p *cfgParser) boolean(v any, path string) bool {
	b, ok := v.(bool)
	if !ok {
		p.fail(path, "want a boolean, got %s", typeName(v))
	}
	return b
}

func (p *cfgParser) str(v any, path string) string {
	s, ok := v.(string)
	if !ok {
		p.fail(path, "want a string, got %s", typeName(v))
	}
	return s
}

func (p *cfgParser) array(v any, path string) []any {
	a, ok := v.([]any)
	if !ok {
		p.fail(path, "want an array, got %s", typeName(v))
	}
	return a
}

func (p *cfgParser) roles(v any, path string) []Role {
	var out []Role
	arr := p.array(v, path)
	if arr != nil && len(arr) == 0 {
		p.fail(path, "want at least one role")
	}
	for i, r := range arr {
		s := p.str(r, fmt.Sprintf("%s[%d]", path, i))
		role, err := ParseRole(s)
		if err != nil && p.err == nil {
			p.fail(fmt.Sprintf("%s[%d]", path, i), "%v", err)
		}
		out = append(out, role)
	}
	return out
}

// Every key of the plugin's configuration falls in one of three groups, and none is ignored silently:
//
//   - read: the scorer implements it (the incentives modules that decide rewards, and the reward token);
//   - delivery: it says how the plugin fetches data, posts its comment, signs permits or transfers funds, which
//     Plaudit does through its own ingest, ledger and payouts; it changes no reward, so it is accepted and
//     listed as such in docs/conversation.md;
//   - refused: it changes rewards in a way Plaudit does not implement; the configuration is an error naming
//     it, unless it is null (the module off) or, for eventIncentives, empty (the module's default pays 0 per
//     event, as the recorded suite shows).
var (
	topLevelKeys = []string{"dataCollection", "rewards", "incentives", "evmNetworkId", "evmPrivateEncrypted",
		"erc20RewardToken", "logLevel", "autoTransferMode", "automaticTransferMode", "permits", "taskAdapter"}
	incentiveKeys = []string{"requirePriceLabel", "limitRewards", "collaboratorOnlyPaymentInvocation", "file",
		"contentEvaluator", "userExtractor", "dataPurge", "formattingEvaluator", "reviewIncentivizer",
		"permitGeneration", "githubComment", "payment", "eventIncentives", "simplificationIncentivizer",
		"simplificationIncentiver", "externalContent", "fees"}
	// refusedIncentives are the plugin's reward modules Plaudit does not implement, with why.
	refusedIncentives = map[string]string{
		"simplificationIncentivizer": "rewards for simplifying code (deleted lines) are not implemented by Plaudit; remove it or set it to null",
		"externalContent":            "evaluating linked external content is not implemented by Plaudit; remove it or set it to null",
		"eventIncentives":            "rewards per GitHub event are not implemented by Plaudit; only an empty eventIncentives (every event pays 0) or null is accepted",
		"simplificationIncentiver":   "not a plugin setting (the plugin reads simplificationIncentivizer) and not implemented by Plaudit; only an empty object or null is accepted",
	}
)

// refuse fails on a reward module Plaudit does not implement unless it is off (null) or, where the module's
// defaults pay nothing, empty.
func (p *cfgParser) refuse(inc map[string]any) {
	for _, k := range sortedKeys(refusedIncentives) {
		v, ok := inc[k]
		if !ok || v == nil {
			continue
		}
		if m, isObj := v.(map[string]any); isObj && len(m) == 0 && k != "simplificationIncentivizer" && k != "externalContent" {
			continue
		}
		p.fail("incentives."+k, "%s", refusedIncentives[k])
	}
}

func (p *cfgParser) parse(root map[string]any) Config {
	c := DefaultConfig()
	c.Relevance = map[Role]decimal.Decimal{}
	// The plugin's defaults: no reward without a price label, and only collaborators invoke payment.
	c.RequirePriceLabel = true
	c.CollaboratorOnlyPaymentInvocation = true
	top := p.object(root, "", topLevelKeys...)
	if tok, ok := top["erc20RewardToken"]; ok {
		c.Fees.Token = p.str(tok, "erc20RewardToken")
	}
	if rw, ok := top["rewards"]; ok {
		r := p.object(rw, "rewards")
		if tok, ok := r["erc20RewardToken"]; ok {
			c.Fees.Token = p.str(tok, "rewards.erc20RewardToken")
		}
	}
	incV, ok := top["incentives"]
	if !ok {
		return c
	}
	inc := p.object(incV, "incentives", incentiveKeys...)
	p.refuse(inc)
	if v, ok := inc["limitRewards"]; ok {
		c.LimitRewards = p.boolean(v, "incentives.limitRewards")
	}
	if v, ok := inc["requirePriceLabel"]; ok {
		if s, isStr := v.(string); isStr && s == "auto" {
			p.fail("incentives.requirePriceLabel", `"auto" (fetching a price from an external API) is not implemented by Plaudit; use true or false`)
		} else {
			c.RequirePriceLabel = p.boolean(v, "incentives.requirePriceLabel")
		}
	}
	if v, ok := inc["collaboratorOnlyPaymentInvocation"]; ok {
		c.CollaboratorOnlyPaymentInvocation = p.boolean(v, "incentives.collaboratorOnlyPaymentInvocation")
	}
	if v, ok := inc["userExtractor"]; ok && v != nil {
		ue := p.object(v, "incentives.userExtractor", "enabled", "redeemTask")
		if r, ok := ue["redeemTask"]; ok {
			c.RedeemTask = p.boolean(r, "incentives.userExtractor.redeemTask")
		}
	}
	if v, ok := inc["dataPurge"]; ok && v != nil {
		dp := p.object(v, "incentives.dataPurge", "skipCommentsWhileAssigned")
		if s, ok := dp["skipCommentsWhileAssigned"]; ok {
			c.SkipCommentsWhileAssigned = p.str(s, "incentives.dataPurge.skipCommentsWhileAssigned")
			switch c.SkipCommentsWhileAssigned {
			case "all", "exact", "none":
			default:
				p.fail("incentives.dataPurge.skipCommentsWhileAssigned", `want "all", "exact" or "none", got %q`, c.SkipCommentsWhileAssigned)
			}
		}
	}
	c.ReviewBaseRate = decimal.Zero
	if v, ok := inc["reviewIncentivizer"]; ok && v != nil {
		ri := p.object(v, "incentives.reviewIncentivizer", "baseRate", "conclusiveReviewCredit", "excludedFilePatterns")
		c.ReviewBaseRate = d("100")
		if b, ok := ri["baseRate"]; ok {
			c.ReviewBaseRate = p.number(b, "incentives.reviewIncentivizer.baseRate")
			if c.ReviewBaseRate.Sign() <= 0 {
				p.fail("incentives.reviewIncentivizer.baseRate", "must be positive")
			}
		}
		if cr, ok := ri["conclusiveReviewCredit"]; ok {
			c.ConclusiveReviewCredit = p.number(cr, "incentives.reviewIncentivizer.conclusiveReviewCredit")
			if c.ConclusiveReviewCredit.Sign() < 0 {
				p.fail("incentives.reviewIncentivizer.conclusiveReviewCredit", "must not be negative")
			}
		}
		if ex, ok := ri["excludedFilePatterns"]; ok {
			for i, e := range p.array(ex, "incentives.reviewIncentivizer.excludedFilePatterns") {
				c.ExcludedFiles = append(c.ExcludedFiles, p.str(e, fmt.Sprintf("incentives.reviewIncentivizer.excludedFilePatterns[%d]", i)))
			}
		}
	}
	if v, ok := inc["contentEvaluator"]; ok && v != nil {
		p.contentEvaluator(&c, v)
	} else {
		c.NoContentEvaluator = true // the module is off: no relevance, no priority
	}
	if v, ok := inc["formattingEvaluator"]; ok && v != nil {
		p.formattingEvaluator(&c, v)
	} else {
		c.Formatting = map[Role]RoleRules{} // the module is off: comments earn nothing for formatting
	}
	if v, ok := inc["fees"]; ok && v != nil {
		f := p.object(v, "incentives.fees", "rate", "treasury", "exemptTokens")
		if r, ok := f["rate"]; ok {
			c.Fees.Rate = p.number(r, "incentives.fees.rate")
			if c.Fees.Rate.Sign() < 0 || c.Fees.Rate.GreaterThan(d("100")) {
				p.fail("incentives.fees.rate", "want a percentage between 0 and 100")
			}
		}
		if t, ok := f["treasury"]; ok {
			c.Fees.Treasury = p.str(t, "incentives.fees.treasury")
		}
		if e, ok := f["exemptTokens"]; ok {
			for i, t := range p.array(e, "incentives.fees.exemptTokens") {
				c.Fees.ExemptTokens = append(c.Fees.ExemptTokens, p.str(t, fmt.Sprintf("incentives.fees.exemptTokens[%d]", i)))
			}
		}
	}
	return c
}

func (p *cfgParser) contentEvaluator(c *Config, v any) {
	const base = "incentives.contentEvaluator"
	ce := p.object(v, base, "multipliers", "openAi", "llm", "originalAuthorWeight", "enabled")
	if w, ok := ce["originalAuthorWeight"]; ok {
		c.OriginalAuthorWeight = p.number(w, base+".originalAuthorWeight")
	}
	for _, key := range []string{"openAi", "llm"} {
		if o, ok := ce[key]; ok && o != nil {
			m := p.object(o, base+"."+key, "model", "endpoint", "tokenCountLimit", "maxRetries", "maxTokens")
			for _, k := range []string{"tokenCountLimit", "maxRetries", "maxTokens"} {
				if n, ok := m[k]; ok {
					v := p.number(n, base+"."+key+"."+k)
					if !v.IsInteger() || v.Sign() < 0 || v.GreaterThan(decimal.NewFromInt(1<<31)) {
						p.fail(base+"."+key+"."+k, "want a non-negative whole number")
					}
					switch k {
					case "tokenCountLimit":
						c.LLM.TokenLimit = int(v.IntPart())
					case "maxRetries":
						c.LLM.MaxRetries = int(v.IntPart())
					}
				}
			}
			if s, ok := m["model"]; ok {
				c.LLM.Model = p.str(s, base+"."+key+".model")
			}
			if s, ok := m["endpoint"]; ok {
				c.LLM.Endpoint = p.str(s, base+"."+key+".endpoint")
			}
		}
	}
	mults, ok := ce["multipliers"]
	if !ok {
		return
	}
	for i, e := range p.array(mults, base+".multipliers") {
		path := fmt.Sprintf("%s.multipliers[%d]", base, i)
		m := p.object(e, path, "role", "relevance")
		roles := p.roles(m["role"], path+".role")
		rv, ok := m["relevance"]
		if !ok {
			p.fail(path+".relevance", "missing")
			continue
		}
		rel := p.number(rv, path+".relevance")
		if rel.Sign() < 0 || rel.GreaterThan(d("1")) {
			p.fail(path+".relevance", "want a relevance between 0 and 1")
		}
		// The reference keys fixed relevances by the union of the entry's roles, which matches a comment only
		// when the entry names a single role: entries with several roles never apply.
		if len(roles) == 1 {
			c.Relevance[roles[0]] = rel
		}
	}
}

func (p *cfgParser) formattingEvaluator(c *Config, v any) {
	const base = "incentives.formattingEvaluator"
	fe := p.object(v, base, "multipliers", "wordCountExponent", "readabilityScoring")
	if e, ok := fe["wordCountExponent"]; ok {
		c.WordCountExponent = p.number(e, base+".wordCountExponent")
	}
	if r, ok := fe["readabilityScoring"]; ok && r != nil {
		rs := p.object(r, base+".readabilityScoring", "enabled", "weight", "targetReadabilityScore")
		if e, ok := rs["enabled"]; ok {
			c.Readability.Enabled = p.boolean(e, base+".readabilityScoring.enabled")
		}
		if w, ok := rs["weight"]; ok {
			c.Readability.Weight = p.number(w, base+".readabilityScoring.weight")
		}
		if t, ok := rs["targetReadabilityScore"]; ok {
			c.Readability.Target = p.number(t, base+".readabilityScoring.targetReadabilityScore")
		}
	}
	mults, ok := fe["multipliers"]
	if !ok {
		return // Ubiquity's default table for every role
	}
	c.Formatting = map[Role]RoleRules{}
	arr := p.array(mults, base+".multipliers")
	if arr != nil && len(arr) == 0 {
		p.fail(base+".multipliers", "want at least one entry")
	}
	for i, e := range arr {
		path := fmt.Sprintf("%s.multipliers[%d]", base, i)
		m := p.object(e, path, "role", "multiplier", "rewards")
		roles := p.roles(m["role"], path+".role")
		mv, ok := m["multiplier"]
		if !ok {
			p.fail(path+".multiplier", "missing")
			continue
		}
		rules := RoleRules{Multiplier: p.number(mv, path+".multiplier"), WordValue: d("0.1"), Tags: defaultTags()}
		if rw, ok := m["rewards"]; ok {
			r := p.object(rw, path+".rewards", "html", "wordValue", "regex")
			if wv, ok := r["wordValue"]; ok {
				rules.WordValue = p.number(wv, path+".rewards.wordValue")
			}
			if h, ok := r["html"]; ok {
				rules.Tags = map[string]TagRule{}
				tags := p.object(h, path+".rewards.html")
				for _, tag := range sortedKeys(tags) {
					tp := path + ".rewards.html." + tag
					t := p.object(tags[tag], tp, "score", "countWords")
					rule := TagRule{CountWords: true}
					if s, ok := t["score"]; ok {
						rule.Score = p.number(s, tp+".score")
					} else {
						p.fail(tp+".score", "missing")
					}
					if cw, ok := t["countWords"]; ok {
						rule.CountWords = p.boolean(cw, tp+".countWords")
					}
					rules.Tags[strings.ToLower(tag)] = rule
				}
			}
		}
		for _, role := range roles {
			c.Formatting[role] = rules
		}
	}
}
