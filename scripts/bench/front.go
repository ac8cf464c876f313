package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
)

// dropboxHosts are the host names the peers (and dropbox-post without
// --api-url) speak HTTPS to.
var dropboxHosts = []string{"api.dropboxapi.com", "content.dropboxapi.com", "notify.dropboxapi.com", "api.dropbox.com", "www.dropbox.com"}

// front is a TLS front for the emulator: a loopback HTTP CONNECT proxy,
// given to a client as HTTPS_PROXY, that answers every CONNECT itself,
// terminates TLS with a certificate for Dropbox's host names signed by a
// private CA made at start (trusted by the client through SSL_CERT_FILE,
// which Go programs honour on Linux), and forwards the decrypted requests
// to the emulator, after a delay per request (the emulated latency). Every
// client measured goes through it, so all pay the same TLS and proxy cost.
type front struct {
	CAFile  string // the CA certificate, PEM: SSL_CERT_FILE
	URL     string // the proxy: HTTPS_PROXY
	latency atomic.Int64
	ln      net.Listener
	conns   chan net.Conn
	srv     *http.Server
	target  atomic.Pointer[url.URL]
}

// startFront makes the CA and the certificate, writes the CA into dir, and
// listens on a free loopback port.
func startFront(dir string) *front {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	check(err)
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "dropbox-post bench CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	check(err)
	ca, err := x509.ParseCertificate(caDER)
	check(err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	check(err)
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: dropboxHosts[0]}, DNSNames: dropboxHosts,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	check(err)
	f := &front{CAFile: filepath.Join(dir, "bench-ca.pem"), conns: make(chan net.Conn, 64)}
	check(os.WriteFile(f.CAFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644))
	tlsCfg := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER, caDER}, PrivateKey: key}},
		NextProtos:   []string{"http/1.1"}, // HTTP/1.1 for every client alike
	}
	if *frontH2 {
		tlsCfg.NextProtos = []string{"h2", "http/1.1"} // each client takes what it prefers
	}
	f.ln, err = net.Listen("tcp", "127.0.0.1:0")
	check(err)
	f.URL = "http://" + f.ln.Addr().String()

	f.srv = &http.Server{Handler: f.handler(&http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute, DisableCompression: true})}
	go f.srv.Serve(&chanListener{conns: f.conns, addr: f.ln.Addr()})
	go func() {
		for {
			c, err := f.ln.Accept()
			if err != nil {
				close(f.conns)
				return
			}
			go f.connect(c, tlsCfg)
		}
	}()
	return f
}

// handler forwards each request to the emulator through tr, after the
// latency.
//
// Full duplex: Go's HTTP/1 server, when a handler starts its answer,
// reads what is left of the request's body and closes it, while the
// proxy's transport may still read that body once more (to see its end,
// after the Content-Length bytes it forwarded). That read then fails, the
// transport drops its connection to the emulator, and the answer reaches
// the client cut short (golang/go#40747): now and then, on a busy
// machine, a listing page of an unchanged 100,000-file re-run came as
// "unexpected EOF", and the client failed with exit 8. With full duplex
// the server leaves the body to the handler.
func (f *front) handler(tr http.RoundTripper) http.Handler {
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(f.target.Load())
			r.Out.Host = r.Out.URL.Host
		},
		FlushInterval: -1,
		Transport:     tr,
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).EnableFullDuplex(); err != nil {
			http.Error(w, "front: "+err.Error(), http.StatusInternalServerError)
			return
		}
		if d := time.Duration(f.latency.Load()); d > 0 {
			time.Sleep(d)
		}
		rp.ServeHTTP(w, r)
	})
}

// connect answers one CONNECT and hands the TLS connection inside it to
// the HTTP server.
func (f *front) connect(c net.Conn, cfg *tls.Config) {
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil || req.Method != http.MethodConnect {
		c.Write([]byte("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"))
		c.Close()
		return
	}
	if _, err := c.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		c.Close()
		return
	}
	f.conns <- tls.Server(&bufferedConn{Conn: c, r: br}, cfg)
}

// use points the front at an emulator, with a latency per request.
func (f *front) use(emuURL string, latency time.Duration) {
	u, err := url.Parse(emuURL)
	check(err)
	f.target.Store(u)
	f.latency.Store(int64(latency))
}

// env returns the environment of a client that goes through the front.
func (f *front) env(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		switch name, _, _ := cut(kv); name {
		case "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR",
			"DROPBOX_API_URL", "DROPBOX_ACCESS_TOKEN", "DROPBOX_APP_KEY", "DROPBOX_REFRESH_TOKEN", "DROPBOX_APP_SECRET", "HOME", "RCLONE_CONFIG", "DBXCLI_ACCESS_TOKEN":
			continue
		}
		out = append(out, kv)
	}
	return append(out, append([]string{"HTTPS_PROXY=" + f.URL, "SSL_CERT_FILE=" + f.CAFile}, extra...)...)
}

func (f *front) close() {
	f.ln.Close()
	f.srv.Close()
}

func cut(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}

// chanListener is a net.Listener fed with connections from a channel.
type chanListener struct {
	conns chan net.Conn
	addr  net.Addr
}

func (l *chanListener) Accept() (net.Conn, error) {
	c, ok := <-l.conns
	if !ok {
		return nil, net.ErrClosed
	}
	return c, nil
}
func (l *chanListener) Close() error   { return nil }
func (l *chanListener) Addr() net.Addr { return l.addr }

// bufferedConn reads what the CONNECT request's reader buffered first.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
