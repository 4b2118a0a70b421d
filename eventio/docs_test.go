package eventio

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

// docBlocks returns the contents of the fenced code blocks of the given language in a markdown file.
func docBlocks(t *testing.T, path, lang string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?ms)^```" + lang + "\n(.*?)^```")
	var out []string
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		out = append(out, m[1])
	}
	return out
}

// TestDocExamples checks that every example in the event docs decodes, without a single rejected line.
func TestDocExamples(t *testing.T) {
	docs := filepath.Join("..", "docs")
	count := 0
	for _, c := range []struct {
		file, lang string
		f          Format
	}{{"events.md", "jsonl", JSONL}, {"events.md", "csv", CSV}, {"import.md", "jsonl", JSONL}, {"api.md", "jsonl", JSONL}} {
		path := filepath.Join(docs, c.file)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && c.file != "events.md" {
			continue
		}
		blocks := docBlocks(t, path, c.lang)
		for _, block := range blocks {
			d := NewDecoder(strings.NewReader(block), c.f)
			for {
				var ev plaudit.Event
				err := d.Decode(&ev)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Errorf("%s, %s example line %d: %v\n%s", c.file, c.lang, d.Line(), err, d.Raw())
					break
				}
				count++
			}
		}
	}
	if count < 15 {
		t.Fatalf("only %d example events found in the docs", count)
	}
}

// TestSchemaMatchesCode checks that docs/event.schema.json says what the code does: the same fields, the
// same required ones, the same sources, and kinds that match plaudit.CoreKinds and every source's own.
func TestSchemaMatchesCode(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "event.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Schema     string                     `json:"$schema"`
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
		Defs       struct {
			CoreKind struct {
				Enum []string `json:"enum"`
			} `json:"coreKind"`
		} `json:"$defs"`
		AllOf []struct {
			If struct {
				Properties struct {
					Source struct {
						Const string `json:"const"`
					} `json:"source"`
				} `json:"properties"`
			} `json:"if"`
			Then struct {
				Properties struct {
					Kind struct {
						AnyOf []struct {
							Ref  string   `json:"$ref"`
							Enum []string `json:"enum"`
						} `json:"anyOf"`
					} `json:"kind"`
				} `json:"properties"`
			} `json:"then"`
		} `json:"allOf"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&s); err != nil {
		t.Fatal(err)
	}
	if s.Schema != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema %q", s.Schema)
	}
	var props []string
	for k := range s.Properties {
		props = append(props, k)
	}
	slices.Sort(props)
	fields := slices.Sorted(slices.Values(Fields))
	if !reflect.DeepEqual(props, fields) {
		t.Errorf("schema properties %v, decoder fields %v", props, fields)
	}
	if got := strings.Join(s.Required, ","); got != "source,id,kind,actor,time" {
		t.Errorf("required %s", got)
	}
	var core []string
	for _, k := range plaudit.CoreKinds {
		core = append(core, string(k))
	}
	if !reflect.DeepEqual(s.Defs.CoreKind.Enum, core) {
		t.Errorf("schema core kinds %v\nplaudit.CoreKinds %v", s.Defs.CoreKind.Enum, core)
	}
	var sourceEnum struct {
		Enum []string `json:"enum"`
	}
	json.Unmarshal(s.Properties["source"], &sourceEnum)
	var sources []string
	for _, src := range plaudit.Sources {
		sources = append(sources, string(src))
	}
	if !reflect.DeepEqual(sourceEnum.Enum, sources) {
		t.Errorf("schema sources %v, plaudit.Sources %v", sourceEnum.Enum, sources)
	}
	extra := map[string][]string{}
	for _, a := range s.AllOf {
		for _, alt := range a.Then.Properties.Kind.AnyOf {
			if alt.Enum != nil {
				extra[a.If.Properties.Source.Const] = alt.Enum
			}
		}
	}
	for _, src := range plaudit.Sources {
		var want []string
		for _, k := range plaudit.SourceKinds(src) {
			want = append(want, string(k))
		}
		if !reflect.DeepEqual(extra[string(src)], want) {
			t.Errorf("schema kinds of source %s: %v, plaudit.SourceKinds: %v", src, extra[string(src)], want)
		}
	}
}
