//go:build !wasm

package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// ShutdownTimeout bounds how long Serve waits for requests in flight when
// its context is cancelled.
const ShutdownTimeout = 10 * time.Second

// Listen opens a TCP listener on addr. When the port is taken the error
// says so and suggests another port.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		host, port, _ := net.SplitHostPort(addr)
		next := "8081"
		if n, perr := strconv.Atoi(port); perr == nil && n > 0 && n < 65535 {
			next = strconv.Itoa(n + 1)
		}
		return nil, fmt.Errorf("port %s is in use: stop the other server or pass -addr %s:%s", port, host, next)
	}
	return nil, fmt.Errorf("listening on %s: %w", addr, err)
}

// Serve serves h on ln until ctx is cancelled, then shuts down gracefully:
// it stops accepting connections and waits up to ShutdownTimeout for
// requests in flight. It returns nil after a clean shutdown.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, logw io.Writer) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
		defer cancel()
		done <- srv.Shutdown(sctx)
	}()
	err := srv.Serve(ln)
	if !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if err := <-done; err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	fmt.Fprintln(logw, "server stopped")
	return nil
}
