package auth

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// ServerTLS is the gRPC server's TLS configuration: its certificate is
// re-read from certFile and keyFile when they change on disk (checked at
// most once a second, on handshakes), and with clientCA set, clients must
// present a certificate signed by it (mutual TLS).
func ServerTLS(certFile, keyFile, clientCA string, log *slog.Logger) (*tls.Config, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, log: log}
	if err := r.load(); err != nil {
		return nil, err
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: r.get}
	if clientCA != "" {
		pool, err := certPool(clientCA)
		if err != nil {
			return nil, err
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// ClientCAPool reads PEM certificates, e.g. to trust a Redis server's CA.
func ClientCAPool(file string) (*x509.CertPool, error) { return certPool(file) }

func certPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificates", file)
	}
	return pool, nil
}

type certReloader struct {
	certFile, keyFile string
	log               *slog.Logger

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   [2]time.Time // mod times of the files loaded
	checked time.Time
}

func (r *certReloader) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.checked) >= time.Second {
		r.checked = time.Now()
		if stamp, err := r.modTimes(); err == nil && stamp != r.stamp {
			if err := r.loadLocked(); err != nil {
				r.log.Error("TLS certificate changed on disk but does not load; keeping the old one", "err", err)
			} else {
				r.log.Info("reloaded TLS certificate", "file", r.certFile)
			}
		}
	}
	return r.cert, nil
}

func (r *certReloader) modTimes() ([2]time.Time, error) {
	var out [2]time.Time
	for i, f := range []string{r.certFile, r.keyFile} {
		st, err := os.Stat(f)
		if err != nil {
			return out, err
		}
		out[i] = st.ModTime()
	}
	return out, nil
}

func (r *certReloader) load() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.loadLocked()
}

func (r *certReloader) loadLocked() error {
	stamp, err := r.modTimes()
	if err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("TLS certificate: %w", err)
	}
	if len(cert.Certificate) == 0 {
		return errors.New("TLS certificate: empty")
	}
	r.cert, r.stamp = &cert, stamp
	return nil
}
