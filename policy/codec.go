package policy

import (
	"fmt"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/plaudit/plaudit"
)

// decoder turns a YAML node tree into Go values by reflection. It is strict — a key the target struct does
// not have is an error — and it names the field path and the line of every problem, which yaml.v3's own
// Node.Decode cannot do (it has no KnownFields). It also knows the domain's fixed-point types: Points and
// Ratio are parsed from their decimal text, never through float64, so "0.3" is exactly 300000 ppm.
type decoder struct {
	errs  []*plaudit.FieldError
	lines map[string]int // field path → line, for semantic errors found after decoding
}

func newDecoder() *decoder { return &decoder{lines: map[string]int{}} }

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.errs = append(d.errs, &plaudit.FieldError{Line: line, Index: -1, Field: path, Reason: fmt.Sprintf(format, args...)})
}

var (
	pointsType   = reflect.TypeFor[plaudit.Points]()
	ratioType    = reflect.TypeFor[plaudit.Ratio]()
	durationType = reflect.TypeFor[time.Duration]()
	bigIntType   = reflect.TypeFor[*big.Int]()
	nodeType     = reflect.TypeFor[yaml.Node]()
)

// fieldName returns the YAML key of a struct field, or "" when the field is not encoded.
func fieldName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag := f.Tag.Get("yaml")
	if tag == "-" {
		return ""
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		name = strings.ToLower(f.Name)
	}
	return name
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
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
	if n.Tag == "!!null" {
		return "null"
	}
	return fmt.Sprintf("%q", truncate(n.Value, 40))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// decode sets v (addressable) from n. Values not present in n keep what v holds: the defaults.
func (d *decoder) decode(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind == yaml.AliasNode {
		d.fail(n, path, "aliases are not allowed in policies: write the value out")
		return
	}
	d.lines[path] = n.Line
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // "key:" with no value keeps the default
	}
	t := v.Type()
	switch t {
	case nodeType:
		v.Set(reflect.ValueOf(*n))
		return
	case pointsType, ratioType:
		if !d.scalar(n, path) {
			return
		}
		p, err := plaudit.ParsePoints(n.Value)
		if err != nil {
			d.fail(n, path, "want a decimal number with at most 6 fractional digits, got %q", truncate(n.Value, 40))
			return
		}
		v.SetInt(int64(p))
		return
	case durationType:
		if !d.scalar(n, path) {
			return
		}
		dur, err := time.ParseDuration(n.Value)
		if err != nil {
			d.fail(n, path, "want a duration such as 24h or 90m, got %q", truncate(n.Value, 40))
			return
		}
		v.SetInt(int64(dur))
		return
	case bigIntType:
		if !d.scalar(n, path) {
			return
		}
		z, ok := new(big.Int).SetString(strings.ReplaceAll(n.Value, "_", ""), 10)
		if !ok || z.Sign() < 0 {
			d.fail(n, path, "want a non-negative whole number of base units, got %q", truncate(n.Value, 40))
			return
		}
		v.Set(reflect.ValueOf(z))
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			d.fail(n, path, "want a mapping, got %s", kindName(n))
			return
		}
		fields := map[string]int{}
		var names []string
		for i := 0; i < t.NumField(); i++ {
			if name := fieldName(t.Field(i)); name != "" {
				fields[name] = i
				names = append(names, name)
			}
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			fp := join(path, k.Value)
			idx, ok := fields[k.Value]
			if !ok {
				d.fail(k, fp, "unknown field (known: %s)", strings.Join(names, ", "))
				continue
			}
			if seen[k.Value] {
				d.fail(k, fp, "given twice")
				continue
			}
			seen[k.Value] = true
			d.decode(val, fp, v.Field(idx))
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(n, path, "want a list, got %s", kindName(n))
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, fmt.Sprintf("%s[%d]", path, i), s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			panic("policy: map keys must be strings")
		}
		if n.Kind != yaml.MappingNode {
			d.fail(n, path, "want a mapping, got %s", kindName(n))
			return
		}
		m := reflect.MakeMapWithSize(t, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			fp := join(path, k.Value)
			key := reflect.New(t.Key()).Elem()
			key.SetString(k.Value)
			if m.MapIndex(key).IsValid() {
				d.fail(k, fp, "given twice")
				continue
			}
			e := reflect.New(t.Elem()).Elem()
			d.decode(val, fp, e)
			m.SetMapIndex(key, e)
		}
		v.Set(m)
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		d.decode(n, path, v.Elem())
	case reflect.String:
		if !d.scalar(n, path) {
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		if !d.scalar(n, path) {
			return
		}
		b, err := strconv.ParseBool(n.Value)
		if err != nil || (n.Value != "true" && n.Value != "false") {
			d.fail(n, path, "want true or false, got %q", truncate(n.Value, 40))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		if !d.scalar(n, path) {
			return
		}
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 10, t.Bits())
		if err != nil {
			d.fail(n, path, "want a whole number, got %q", truncate(n.Value, 40))
			return
		}
		v.SetInt(i)
	default:
		panic(fmt.Sprintf("policy: cannot decode into %s", t))
	}
}

func (d *decoder) scalar(n *yaml.Node, path string) bool {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "want a single value, got %s", kindName(n))
		return false
	}
	return true
}

// encode turns v into a YAML node: struct fields in declaration order, map keys sorted, fixed-point numbers
// as exact decimals. The result is canonical — one value has one encoding — which is what Hash relies on.
func encode(v reflect.Value) *yaml.Node {
	t := v.Type()
	switch t {
	case pointsType, ratioType:
		s := plaudit.Points(v.Int()).String()
		tag := "!!int"
		if strings.Contains(s, ".") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: s}
	case durationType:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: formatDuration(time.Duration(v.Int()))}
	case bigIntType:
		if v.IsNil() {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "0"}
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: v.Interface().(*big.Int).String()}
	}
	switch t.Kind() {
	case reflect.Struct:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for i := 0; i < t.NumField(); i++ {
			name := fieldName(t.Field(i))
			if name == "" {
				continue
			}
			// A field added later with ",omitempty" is left out while zero, so that policies that do not use
			// it keep the hash they had before it existed.
			if _, opts, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); opts == "omitempty" && v.Field(i).IsZero() {
				continue
			}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}, encode(v.Field(i)))
		}
		return n
	case reflect.Slice:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		if t.Elem().Kind() != reflect.Struct {
			n.Style = yaml.FlowStyle
		}
		for i := 0; i < v.Len(); i++ {
			n.Content = append(n.Content, encode(v.Index(i)))
		}
		return n
	case reflect.Map:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		for _, k := range keys {
			kv := reflect.New(t.Key()).Elem()
			kv.SetString(k)
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, encode(v.MapIndex(kv)))
		}
		return n
	case reflect.Pointer:
		if v.IsNil() {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
		}
		return encode(v.Elem())
	case reflect.Interface:
		if v.IsNil() {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
		}
		return encode(v.Elem())
	case reflect.String:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v.String()}
	case reflect.Bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v.Bool())}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v.Int(), 10)}
	}
	panic(fmt.Sprintf("policy: cannot encode %s", t))
}

// formatDuration writes d without the zero units time.Duration.String adds: 24h, 90m, 1h30m.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// canonical writes n as compact JSON-like text: mappings as objects in node order, lists as arrays, every
// scalar as a quoted string. It is the byte string a policy's hash is taken over, independent of YAML
// layout, comments and the YAML library's formatting choices.
func canonical(b *strings.Builder, n *yaml.Node) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			canonical(b, c)
		}
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(n.Content[i].Value))
			b.WriteByte(':')
			canonical(b, n.Content[i+1])
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			canonical(b, c)
		}
		b.WriteByte(']')
	default:
		if n.Tag == "!!null" {
			b.WriteString("null")
			return
		}
		b.WriteString(strconv.Quote(n.Value))
	}
}

// blockCopy copies n with every flow style ({…}, […]) turned into block style, keeping lines, values and
// scalar quoting. A scorer with its own decoder (the conversation scorer reads a Ubiquity configuration)
// re-encodes its params; a flow mapping would come out as "{…}" text, which such a decoder takes for JSON
// and refuses. Block layout means the same thing, so flow-style YAML works everywhere in a policy.
func blockCopy(n *yaml.Node) *yaml.Node {
	c := *n
	c.Style &^= yaml.FlowStyle
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, x := range n.Content {
			c.Content[i] = blockCopy(x)
		}
	}
	return &c
}
