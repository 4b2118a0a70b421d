package config

import (
	"net/url"

	"gopkg.in/yaml.v3"
)

// Search is the search section: the embeddings model search ranks by (cosine similarity of embeddings),
// nil when the file has none, and then search is the offline full-text search.
type Search struct {
	// Embeddings configures an OpenAI-compatible embeddings endpoint (search.embeddings); nil for none.
	Embeddings *Embeddings
}

// Embeddings is the search.embeddings section.
type Embeddings struct {
	// Endpoint is the API's base URL, e.g. https://api.openai.com/v1 (POST {endpoint}/embeddings).
	Endpoint string
	// Model names the model, e.g. text-embedding-3-small; it keys the stored vectors.
	Model string
	// APIKey is the bearer token (env:NAME).
	APIKey Secret
	// Dimensions asks a model that can shorten its vectors for this many numbers; 0 for its own.
	Dimensions int
}

// search decodes the search section.
func (d *decoder) search(n *yaml.Node, path string, c *Config) {
	if !d.usable(n, path) {
		return
	}
	s := &Search{}
	d.mapping(n, path, map[string]field{
		"embeddings": func(n *yaml.Node, p string) {
			if !d.usable(n, p) {
				return
			}
			e := &Embeddings{}
			d.mapping(n, p, map[string]field{
				"endpoint": func(n *yaml.Node, p string) {
					var u *url.URL
					d.publicURL(n, p, &u)
					if u != nil {
						e.Endpoint = u.String()
					}
				},
				"model": func(n *yaml.Node, p string) {
					if v, ok := d.str(n, p, "an embeddings model name"); ok {
						e.Model = v
					}
				},
				"api_key":    func(n *yaml.Node, p string) { d.secret(n, p, &e.APIKey) },
				"dimensions": func(n *yaml.Node, p string) { d.positiveInt(n, p, &e.Dimensions) },
			})
			if n.Kind == yaml.MappingNode {
				if e.Endpoint == "" {
					d.fail(n, p+".endpoint", "required: the OpenAI-compatible API's base URL, such as https://api.openai.com/v1")
				}
				if e.Model == "" {
					d.fail(n, p+".model", "required: the embeddings model, such as text-embedding-3-small")
				}
			}
			s.Embeddings = e
		},
	})
	c.Search = s
}
