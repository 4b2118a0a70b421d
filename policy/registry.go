package policy

import (
	"fmt"
	"reflect"
	"sort"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/plaudit/plaudit"
)

// ScorerType describes one kind of scorer to the policy loader: its name, the events it reads when a policy
// does not say, and its parameters with their defaults. Scorers register themselves (package score does it
// for the built-in ones), in the manner of Caddy's modules: the loader knows nothing of any scorer in
// particular, and a policy naming an unregistered scorer is an error.
type ScorerType struct {
	Name    string
	Doc     string           // one line for `plaudit policy show` and the docs
	Sources []plaudit.Source // default sources; empty means every source
	Kinds   []plaudit.Kind   // default kinds; must not be empty

	// NewParams returns a pointer to a params struct holding the defaults. The loader decodes a policy's
	// params over it strictly (unknown keys are errors) unless Decode is set.
	NewParams func() any

	// Decode, when set, replaces the reflective decoder for params whose type it cannot handle (another
	// package's config with its own format). Field names in the returned errors are relative to params.
	Decode func(n *yaml.Node) (any, []*plaudit.FieldError)
	// Encode, when set with Decode, writes params back as YAML for `policy show` and the hash.
	Encode func(params any) (*yaml.Node, error)
}

// Validator is implemented by params types that check more than the types of their fields: ranges, order,
// relations between fields. Field names in the errors are relative to params ("tiers[1].like").
type Validator interface {
	Validate() []*plaudit.FieldError
}

var (
	registryMu sync.RWMutex
	registry   = map[string]ScorerType{}
)

// RegisterScorer adds a scorer type. It panics on a duplicate or malformed registration, which is a
// programming error found at init time.
func RegisterScorer(t ScorerType) {
	if t.Name == "" || t.NewParams == nil || len(t.Kinds) == 0 {
		panic("policy: RegisterScorer needs a name, NewParams and kinds")
	}
	if (t.Decode == nil) != (t.Encode == nil) {
		panic("policy: RegisterScorer: Decode and Encode go together")
	}
	if t.Decode == nil {
		if p := reflect.ValueOf(t.NewParams()); p.Kind() != reflect.Pointer || p.Elem().Kind() != reflect.Struct {
			panic(fmt.Sprintf("policy: scorer %s: NewParams must return a pointer to a struct", t.Name))
		}
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[t.Name]; dup {
		panic("policy: scorer registered twice: " + t.Name)
	}
	registry[t.Name] = t
}

// LookupScorer returns the registered scorer type with the given name.
func LookupScorer(name string) (ScorerType, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	t, ok := registry[name]
	return t, ok
}

// ScorerNames returns the registered scorer names, sorted.
func ScorerNames() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
