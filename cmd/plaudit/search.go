package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/config"
	"github.com/plaudit/plaudit/service"
)

func init() {
	var (
		sources      []string
		since, until string
		like         string
		limit        int
		cursor       string
		asJSON       bool
		configFile   string
	)
	cmd := &cobra.Command{
		Use:   "search [QUERY]",
		Short: "Find stored events by the text of their content, best match first",
		Long: `search ranks stored events by full-text relevance to QUERY (SQLite FTS5, PostgreSQL full-text search):
every word must match, "quoted phrases" match their words in order, and any other character only separates
words (no query syntax). With --like SOURCE/ID instead of a query it finds events similar to a stored one
(near-duplicates first), leaving the event itself out. Offline: no embeddings service is used, unless
--config names a serve configuration with search.embeddings: then events not embedded yet are embedded
first (each once), and hits rank by the cosine similarity of their embeddings to the query's.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := service.SearchRequest{Like: like, Limit: limit, Cursor: cursor}
			if len(args) == 1 {
				req.Query = args[0]
			}
			if req.Query == "" && req.Like == "" {
				return usageError(cmd, fmt.Errorf("give a QUERY or --like SOURCE/ID"))
			}
			for _, s := range sources {
				req.Sources = append(req.Sources, plaudit.Source(s))
			}
			var err error
			if since != "" {
				if req.Since, err = parseWhen(since, "--since"); err != nil {
					return err
				}
			}
			if until != "" {
				if req.Until, err = parseWhen(until, "--until"); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			st, err := openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			svc := newService(st)
			if configFile != "" {
				cfg, err := config.Load(configFile)
				if err != nil {
					return err
				}
				if cfg.Search != nil && cfg.Search.Embeddings != nil {
					req.Embeddings = newEmbeddings(cfg.Search.Embeddings)
					if _, err := svc.EmbedPending(ctx, req.Embeddings, 0); err != nil {
						return err
					}
				}
			}
			page, err := svc.Search(ctx, req)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), page)
			}
			writeSearchPage(cmd.OutOrStdout(), page)
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&sources, "source", nil, "only events of this `SOURCE` (repeatable)")
	cmd.Flags().StringVar(&since, "since", "", "only events at or after this time (RFC 3339 or YYYY-MM-DD)")
	cmd.Flags().StringVar(&until, "until", "", "only events before this time")
	cmd.Flags().StringVar(&like, "like", "", "find events similar to the stored event `SOURCE/ID` instead of a query")
	cmd.Flags().IntVar(&limit, "limit", service.DefaultSearchLimit, "hits to print")
	cmd.Flags().StringVar(&cursor, "cursor", "", "the next page: the cursor printed after the previous one")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the page as JSON")
	cmd.Flags().StringVar(&configFile, "config", "", "a serve configuration `FILE`: with search.embeddings, search by embeddings")
	rootCmd.AddCommand(cmd)
}

// writeSearchPage prints one line per hit (rank, event key, kind, time, snippet), then the next page's
// cursor when there is one.
func writeSearchPage(w io.Writer, p *service.SearchPage) {
	if len(p.Hits) == 0 {
		fmt.Fprintln(w, "no matches")
	}
	for _, h := range p.Hits {
		snippet := strings.Join(strings.Fields(h.Snippet), " ")
		fmt.Fprintf(w, "%10.4g  %-28s %-8s %s  %s\n", h.Rank, h.Event.Key(), h.Event.Kind, h.Event.Time.UTC().Format(time.DateOnly), snippet)
	}
	if p.NextCursor != "" {
		fmt.Fprintf(w, "more: --cursor %s\n", p.NextCursor)
	}
}
