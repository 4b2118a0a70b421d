package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/api"
)

func init() {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the REST API",
		Long: `serve answers Plaudit's REST API (see docs/api.md) on --addr.

Clients authenticate with a bearer token from PLAUDIT_API_TOKENS (comma-separated). Without tokens the API
has no authentication, so serve then listens only on a loopback address and logs a warning.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), cmd, addr)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	rootCmd.AddCommand(cmd)
}

func runServe(ctx context.Context, cmd *cobra.Command, addr string) error {
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelInfo}))
	var tokens []string
	for _, t := range strings.Split(os.Getenv("PLAUDIT_API_TOKENS"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			tokens = append(tokens, t)
		}
	}
	if len(tokens) == 0 {
		if !loopbackAddr(addr) {
			return plaudit.Errorf(plaudit.EINVALID, "refusing to serve on %s without authentication: set PLAUDIT_API_TOKENS, or listen on a loopback address such as 127.0.0.1:8080", addr)
		}
		logger.Warn("PLAUDIT_API_TOKENS is not set: the API has no authentication and answers only loopback clients")
	}
	store, err := openStore(ctx)
	if err != nil {
		return err
	}
	defer store.Close()

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           api.NewServer(store, api.Options{Tokens: tokens, Logger: logger}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("serving the API", "url", "http://"+ln.Addr().String(), "auth", len(tokens) > 0)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// loopbackAddr reports whether addr (host:port) listens only on a loopback interface. An empty host means
// every interface, so it is not.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
