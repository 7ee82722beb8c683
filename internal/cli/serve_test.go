package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"shequ/internal/cli"
)

// selfSigned writes a certificate for 127.0.0.1 and its key into dir and returns
// their paths and a pool that trusts the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "shequ test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a buffer the program writes to while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serve starts `shequ serve` with args on the database at dbPath and a free port and
// returns the URL it prints; the program stops when the test ends.
func serve(t *testing.T, dbPath string, args ...string) string {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	out, outW := io.Pipe()
	var stderr syncBuffer
	exited := make(chan int, 1)
	args = append([]string{"serve", "--db", dbPath, "--addr", "127.0.0.1:0"}, args...)
	go func() {
		code := cli.Run(ctx, args, outW, &stderr)
		outW.Close()
		exited <- code
	}()
	t.Cleanup(func() {
		stop()
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			t.Error("the program did not stop within 15 s of being asked to")
		}
	})
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "shequ is listening on "); ok {
				listening <- url
			}
		}
	}()
	select {
	case url := <-listening:
		return url
	case code := <-exited:
		t.Fatalf("the program exited with %d before listening: %s", code, stderr.String())
	case <-time.After(15 * time.Second):
		t.Fatalf("the program did not start listening: %s", stderr.String())
	}
	return ""
}

// userWithPassword adds a city with one read-only user to the database at dbPath
// and returns their sign-in form.
func userWithPassword(t *testing.T, dbPath string) url.Values {
	t.Helper()
	if code, _, errOut := run(t, "org", "add", "--db", dbPath, "--code", "450400", "--name", "梧州市"); code != 0 {
		t.Fatalf("org add: %s", errOut)
	}
	code, out, errOut := run(t, "user", "add", "--db", dbPath, "--name", "shenji", "--role", "readonly", "--org", "450400")
	m := regexp.MustCompile(`initial password: (\S+)`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("user add: exit %d %s %s", code, out, errOut)
	}
	return url.Values{"name": {"shenji"}, "password": {m[1]}, "next": {"/"}}
}

// sessionCookie signs in with form and returns the session cookie set.
func sessionCookie(t *testing.T, client *http.Client, base string, form url.Values) *http.Cookie {
	t.Helper()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.PostForm(base+"/login", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "shequ_session" {
			return c
		}
	}
	t.Fatalf("signing in: %d, no session cookie", resp.StatusCode)
	return nil
}

func TestServe_HTTPSWithHSTS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	dbPath := filepath.Join(t.TempDir(), "t.db")
	form := userWithPassword(t, dbPath)
	base := serve(t, dbPath, "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(base, "https://127.0.0.1:") {
		t.Fatalf("listening on %s, want https://", base)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Fatalf("GET /login over HTTPS: %d, TLS %+v", resp.StatusCode, resp.TLS)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("Strict-Transport-Security = %q", got)
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("protocol %s, want HTTP/2 offered over TLS", resp.Proto)
	}
	if c := sessionCookie(t, client, base, form); !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Errorf("session cookie over HTTPS: %+v, want Secure, HttpOnly, SameSite=Lax", c)
	}

	old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11}}}
	defer old.CloseIdleConnections()
	if resp, err := old.Get(base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("a TLS 1.1 client was served")
	}
}

func TestServe_PlainHTTPSendsNoHSTS(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "t.db")
	form := userWithPassword(t, dbPath)
	base := serve(t, dbPath)
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("listening on %s, want http://", base)
	}
	resp, err := http.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /login: %d", resp.StatusCode)
	}
	if got, ok := resp.Header["Strict-Transport-Security"]; ok {
		t.Errorf("Strict-Transport-Security over plain HTTP: %q", got)
	}
	// A Secure cookie would never come back over plain HTTP: nobody could sign in.
	if c := sessionCookie(t, &http.Client{}, base, form); c.Secure {
		t.Errorf("session cookie over plain HTTP is Secure: %+v", c)
	}
}

func TestServe_RefusesToStartWithoutAUsableCertificate(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := selfSigned(t, dir)
	otherCert, otherKey, _ := selfSigned(t, t.TempDir())
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	for _, tc := range []struct {
		name string
		args []string
		exit int
		says []string
	}{
		{"a missing certificate", []string{"--tls-cert", missing, "--tls-key", keyFile}, 1, []string{missing, "no such file"}},
		{"a missing key", []string{"--tls-cert", certFile, "--tls-key", missing}, 1, []string{missing, "no such file"}},
		{"a certificate that is not one", []string{"--tls-cert", garbage, "--tls-key", keyFile}, 1, []string{garbage, "PEM"}},
		{"a key of another certificate", []string{"--tls-cert", certFile, "--tls-key", otherKey}, 1, []string{"does not match"}},
		{"a certificate without its key", []string{"--tls-cert", otherCert}, 2, []string{"--tls-cert and --tls-key go together"}},
		{"a key without its certificate", []string{"--tls-key", otherKey}, 2, []string{"--tls-cert and --tls-key go together"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbPath := filepath.Join(t.TempDir(), "t.db")
			args := append([]string{"serve", "--db", dbPath, "--addr", "127.0.0.1:0"}, tc.args...)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var out, errOut syncBuffer
			code := cli.Run(ctx, args, &out, &errOut)
			if code != tc.exit {
				t.Errorf("exit %d, want %d", code, tc.exit)
			}
			for _, s := range tc.says {
				if !strings.Contains(errOut.String(), s) {
					t.Errorf("stderr lacks %q: %s", s, errOut.String())
				}
			}
			if strings.Contains(out.String(), "listening") {
				t.Errorf("it started: %s", out.String())
			}
			if _, err := os.Stat(dbPath); err == nil {
				t.Errorf("it opened the database before refusing")
			}
		})
	}
}

func TestServe_RefusesATrustedProxyThatIsNotAnAddressOrANetwork(t *testing.T) {
	for _, value := range []string{"10.0.0.300", "10.0.0.1,nginx", "10.0.0.1/8", "0.0.0.0/0"} {
		t.Run(value, func(t *testing.T) {
			dbPath := filepath.Join(t.TempDir(), "t.db")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var out, errOut syncBuffer
			code := cli.Run(ctx, []string{"serve", "--db", dbPath, "--addr", "127.0.0.1:0", "--trusted-proxy", value}, &out, &errOut)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(errOut.String(), "--trusted-proxy "+value+":") {
				t.Errorf("stderr does not name the flag and its value: %s", errOut.String())
			}
			if strings.Contains(out.String(), "listening") {
				t.Errorf("it started: %s", out.String())
			}
			if _, err := os.Stat(dbPath); err == nil {
				t.Errorf("it opened the database before refusing")
			}
		})
	}
}

func TestServe_TrustedProxyNamesEachClientToTheSignInLimit(t *testing.T) {
	base := serve(t, filepath.Join(t.TempDir(), "t.db"), "--trusted-proxy", "127.0.0.1")
	signIn := func(xff string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader("name=guess&password=wrong"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", xff)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// Ten attempts at once, and one more for every six seconds the attempts
	// took: on a loaded machine a sign-in can take a second, and the limit earns
	// the client an attempt back meanwhile.
	start := time.Now()
	for i := 1; ; i++ {
		got := signIn("198.51.100.1")
		if got == http.StatusTooManyRequests {
			if i <= 10 {
				t.Fatalf("attempt %d of one client refused, want ten at once", i)
			}
			break
		}
		if got != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want the form again", i, got)
		}
		if earned := 10 + int(time.Since(start)/(6*time.Second)) + 1; i > earned {
			t.Fatalf("attempt %d of one client let through in %s, want at most %d", i, time.Since(start).Round(time.Millisecond), earned)
		}
	}
	if got := signIn("198.51.100.2"); got == http.StatusTooManyRequests {
		t.Errorf("another client behind the same proxy was refused too")
	}
}
