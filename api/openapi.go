package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"gopkg.in/yaml.v3"
)

// OpenAPIYAML is the OpenAPI 3.1 document of the API, as written: every route with the roles that may call
// it (x-roles). A test checks it against the server's routes, so that it cannot drift.
//
//go:embed openapi.yaml
var OpenAPIYAML []byte

// openAPIJSON is OpenAPIYAML as JSON, what GET /v1/openapi.json serves.
var openAPIJSON = func() []byte {
	b, err := OpenAPIJSON()
	if err != nil {
		panic(err)
	}
	return b
}()

// OpenAPIJSON returns the OpenAPI document as JSON.
func OpenAPIJSON() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(OpenAPIYAML, &doc); err != nil {
		return nil, fmt.Errorf("api: openapi.yaml: %w", err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("api: openapi.yaml as JSON: %w", err)
	}
	return b, nil
}

func init() {
	Register(func(s *Server) {
		// Public: the document describes the API and holds no data, and client generators fetch it.
		s.HandlePublic("GET /v1/openapi.json", http.HandlerFunc(s.getOpenAPI))
	})
}

// getOpenAPI serves the OpenAPI document.
func (s *Server) getOpenAPI(w http.ResponseWriter, r *http.Request) {
	if err := ParseQuery(r).Err(); err != nil {
		WriteError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIJSON)
}
