package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func mustProxies(t *testing.T, list string) Proxies {
	t.Helper()
	p, err := ParseProxies(list)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProxies_ClientIsTheFirstUntrustedAddressFromTheRight(t *testing.T) {
	nginx := "10.0.0.1, 192.168.0.0/16, 2001:db8:ffff::/48"
	for _, tc := range []struct {
		name    string
		proxies string
		peer    string
		xff     []string // one X-Forwarded-For header each
		want    string
	}{
		{"no proxies: the peer", "", "203.0.113.5:4000", nil, "203.0.113.5"},
		{"no proxies: a forged header changes nothing", "", "203.0.113.5:4000", []string{"198.51.100.9"}, "203.0.113.5"},
		{"no proxies: not even from a private address", "", "10.0.0.1:4000", []string{"198.51.100.9"}, "10.0.0.1"},
		{"an untrusted peer's header is ignored", nginx, "203.0.113.5:4000", []string{"198.51.100.9"}, "203.0.113.5"},
		{"the proxy names its client", nginx, "10.0.0.1:4000", []string{"198.51.100.9"}, "198.51.100.9"},
		{"a chain of proxies: the first untrusted from the right", nginx, "10.0.0.1:4000", []string{"198.51.100.9, 192.168.3.4"}, "198.51.100.9"},
		{"the leftmost, forged by the client, is not believed", nginx, "10.0.0.1:4000", []string{"1.1.1.1, 198.51.100.9"}, "198.51.100.9"},
		{"a client naming a proxy is still the client", nginx, "10.0.0.1:4000", []string{"192.168.0.1, 198.51.100.9"}, "198.51.100.9"},
		{"several headers are one list, in order", nginx, "10.0.0.1:4000", []string{"1.1.1.1", "198.51.100.9,192.168.3.4"}, "198.51.100.9"},
		{"spaces and tabs around entries", nginx, "10.0.0.1:4000", []string{" 198.51.100.9 ,\t192.168.3.4\t"}, "198.51.100.9"},
		{"garbage the client sent left of its address", nginx, "10.0.0.1:4000", []string{"not an address,, 198.51.100.9"}, "198.51.100.9"},
		{"every entry a proxy: the leftmost", nginx, "10.0.0.1:4000", []string{"192.168.9.9, 192.168.3.4"}, "192.168.9.9"},
		{"the proxy itself, without the header", nginx, "10.0.0.1:4000", nil, "10.0.0.1"},
		{"malformed where the proxy wrote: the peer", nginx, "10.0.0.1:4000", []string{"198.51.100.9, 192.168.3.4:8080"}, "10.0.0.1"},
		{"an empty entry where the proxy wrote: the peer", nginx, "10.0.0.1:4000", []string{"198.51.100.9, "}, "10.0.0.1"},
		{"an empty header: the peer", nginx, "10.0.0.1:4000", []string{""}, "10.0.0.1"},
		{"a hostname: the peer", nginx, "10.0.0.1:4000", []string{"client.example"}, "10.0.0.1"},
		{"a bracketed IPv6 entry is malformed", nginx, "10.0.0.1:4000", []string{"[2001:db8::1]"}, "10.0.0.1"},
		{"an IPv6 client", nginx, "10.0.0.1:4000", []string{"2001:db8:1::7"}, "2001:db8:1::7"},
		{"an IPv6 proxy", nginx, "[2001:db8:ffff::2]:443", []string{"2001:db8:1::7"}, "2001:db8:1::7"},
		{"an IPv6 peer that is not a proxy", nginx, "[2001:db8:1::2]:443", []string{"2001:db8:1::7"}, "2001:db8:1::2"},
		{"IPv4 written as IPv6, as peer and as entry", nginx, "[::ffff:10.0.0.1]:4000", []string{"::ffff:198.51.100.9"}, "198.51.100.9"},
		{"a peer that is not an IP", nginx, "@", []string{"198.51.100.9"}, "@"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			if got := mustProxies(t, tc.proxies).Client(req); got != tc.want {
				t.Errorf("client = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestProxies_OnlyTheForwardedForHeaderIsRead(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "10.0.0.1:4000"
	req.Header.Set("Forwarded", "for=198.51.100.9")
	req.Header.Set("X-Real-IP", "198.51.100.9")
	if got := mustProxies(t, "10.0.0.1").Client(req); got != "10.0.0.1" {
		t.Errorf("client = %q: a header nginx passes through untouched was believed", got)
	}
}

func TestParseProxies_RefusesWhatIsNotAnAddressOrANetwork(t *testing.T) {
	for _, tc := range []struct {
		list string
		says []string
	}{
		{"10.0.0.300", []string{`"10.0.0.300"`, "neither an IP address nor a network"}},
		{"10.0.0.1,nginx", []string{`"nginx"`}},
		{"10.0.0.0/33", []string{`"10.0.0.0/33"`}},
		{"fe80::1%eth0", []string{`"fe80::1%eth0"`}},
		{"10.0.0.1/8", []string{`"10.0.0.1/8"`, "10.0.0.0/8", "10.0.0.1/32"}},
		{"0.0.0.0/0", []string{`"0.0.0.0/0"`, "every address"}},
		{"::/0", []string{"every address"}},
	} {
		_, err := ParseProxies(tc.list)
		if err == nil {
			t.Errorf("%q: accepted", tc.list)
			continue
		}
		for _, s := range tc.says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%q: %q lacks %q", tc.list, err, s)
			}
		}
	}
	for _, list := range []string{"", "10.0.0.1", "10.0.0.1,192.168.0.0/16", " 10.0.0.1 , 192.168.0.0/16 ", "10.0.0.1 2001:db8::/32", "::ffff:10.0.0.1"} {
		if _, err := ParseProxies(list); err != nil {
			t.Errorf("%q: %v", list, err)
		}
	}
}

func TestClientAddr_IsWhatWrapResolvedOrElseThePeer(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "10.0.0.1:4000"
	req.Header.Set("X-Forwarded-For", "198.51.100.9")
	if got := ClientAddr(req); got != "10.0.0.1" {
		t.Errorf("without Wrap: %q, want the peer", got)
	}
	var got string
	mustProxies(t, "10.0.0.1").Wrap(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got = ClientAddr(r)
	})).ServeHTTP(httptest.NewRecorder(), req)
	if got != "198.51.100.9" {
		t.Errorf("behind Wrap: %q, want the client the proxy names", got)
	}
}
