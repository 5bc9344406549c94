package dev.resizelet.agent.http;

import static java.util.Objects.requireNonNull;

import dev.resizelet.agent.authz.UserInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * The API's TLS, as the kubelet's port does it: a serving certificate and key ({@code --tls-cert-file},
 * {@code --tls-private-key-file}, PEM; the key PKCS#8, PKCS#1 or SEC1) and, with {@code --client-ca-file}, client
 * certificates that must be signed by that CA. The handshake only <em>asks</em> for a client certificate; each
 * request then checks it ({@link #authenticate}) so that a client without a valid one gets a 401 {@code Status}, as
 * the apiserver answers, instead of a bare handshake failure.
 */
public final class ApiTls {
    public static final String CERT_FLAG = "--tls-cert-file";
    public static final String KEY_FLAG = "--tls-private-key-file";
    public static final String CLIENT_CA_FLAG = "--client-ca-file";

    private final SSLContext context;
    private final X509TrustManager clientVerifier; // null: no client certificates asked for

    private ApiTls(SSLContext context, X509TrustManager clientVerifier) {
        this.context = context;
        this.clientVerifier = clientVerifier;
    }

    /**
     * The rule for the listen address, checked before anything is read: loopback may serve plain HTTP; any other
     * address needs all three files. A client CA needs the serving pair, and the pair goes together.
     *
     * @throws IllegalArgumentException naming the flags that are missing
     */
    public static void checkFlags(InetSocketAddress listen, Path certFile, Path keyFile, Path clientCaFile) {
        requireNonNull(listen, "listen");
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException(CERT_FLAG + " and " + KEY_FLAG + " go together: give both or neither");
        }
        if (clientCaFile != null && certFile == null) {
            throw new IllegalArgumentException(CLIENT_CA_FLAG + " needs TLS: give " + CERT_FLAG + " and " + KEY_FLAG
                    + " too");
        }
        if (isLoopback(listen) || (certFile != null && clientCaFile != null)) {
            return;
        }
        List<String> missing = new ArrayList<>();
        if (certFile == null) {
            missing.add(CERT_FLAG);
            missing.add(KEY_FLAG);
        }
        if (clientCaFile == null) {
            missing.add(CLIENT_CA_FLAG);
        }
        throw new IllegalArgumentException("--listen " + describe(listen) + " is not a loopback address: like the "
                + "kubelet's port, the pod API is served there only over TLS with client certificates; give "
                + String.join(" and ", missing) + " (or listen on 127.0.0.1)");
    }

    /** Loopback addresses (127.0.0.0/8, ::1) may serve plain HTTP; the wildcard and anything unresolved may not. */
    public static boolean isLoopback(InetSocketAddress listen) {
        return listen.getAddress() != null && listen.getAddress().isLoopbackAddress();
    }

    /**
     * Reads the files and builds the TLS context.
     *
     * @param clientCaFile null: serve TLS without asking for client certificates (loopback only, see {@link #checkFlags})
     * @throws IllegalArgumentException naming the flag and the file when one cannot be read or does not fit
     */
    public static ApiTls load(Path certFile, Path keyFile, Path clientCaFile) {
        requireNonNull(certFile, "certFile");
        requireNonNull(keyFile, "keyFile");
        List<X509Certificate> chain = readCertificates(CERT_FLAG, certFile);
        PrivateKey key = readPrivateKey(KEY_FLAG, keyFile);
        if (!matches(key, chain.get(0).getPublicKey())) {
            throw new IllegalArgumentException(KEY_FLAG + " " + keyFile + " is not the key of the certificate in "
                    + CERT_FLAG + " " + certFile + " (" + chain.get(0).getSubjectX500Principal() + ")");
        }
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("serving", key, new char[0], chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(keys, new char[0]);
            X509TrustManager verifier = null;
            TrustManager[] handshake = null;
            if (clientCaFile != null) {
                List<X509Certificate> cas = readCertificates(CLIENT_CA_FLAG, clientCaFile);
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                for (int i = 0; i < cas.size(); i++) {
                    trust.setCertificateEntry("client-ca-" + i, cas.get(i));
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
                tmf.init(trust);
                verifier = (X509TrustManager) tmf.getTrustManagers()[0];
                handshake = new TrustManager[] {new AskingTrustManager(cas)};
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), handshake, null);
            return new ApiTls(context, verifier);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot use " + CERT_FLAG + " " + certFile + " and " + KEY_FLAG + " "
                    + keyFile + " for TLS: " + e.getMessage(), e);
        }
    }

    SSLContext context() {
        return context;
    }

    /** True when every request must carry a client certificate signed by the client CA. */
    public boolean requiresClientCertificates() {
        return clientVerifier != null;
    }

    /**
     * The client's user, as the apiserver's x509 authenticator takes it from the certificate: the subject's common name
     * is the name, its organizations ({@code O=}) are the groups (plus {@code system:authenticated}). Empty when the
     * session carries no certificate the client CA signed for client authentication; anonymous without a client CA.
     */
    Optional<UserInfo> authenticate(SSLSession session) {
        if (clientVerifier == null) {
            return Optional.of(UserInfo.ANONYMOUS_USER);
        }
        X509Certificate[] chain;
        try {
            java.security.cert.Certificate[] peer = session.getPeerCertificates();
            chain = new X509Certificate[peer.length];
            for (int i = 0; i < peer.length; i++) {
                chain[i] = (X509Certificate) peer[i];
            }
        } catch (SSLPeerUnverifiedException | ClassCastException e) {
            return Optional.empty();
        }
        if (chain.length == 0) {
            return Optional.empty();
        }
        try {
            // PKIX with the TLS client variant: signature chain to the CA, validity dates, key usage and clientAuth EKU
            clientVerifier.checkClientTrusted(chain, chain[0].getPublicKey().getAlgorithm());
        } catch (CertificateException | IllegalArgumentException e) {
            return Optional.empty();
        }
        return Optional.of(user(chain[0].getSubjectX500Principal()));
    }

    /** CN as the name, every O as a group, in the order the subject lists them. */
    static UserInfo user(X500Principal subject) {
        String name = null;
        List<String> groups = new ArrayList<>();
        try {
            // getRdns() is in the certificate's order (the RFC 2253 string reverses it); escapes are handled
            for (Rdn rdn : new LdapName(subject.getName(X500Principal.RFC2253)).getRdns()) {
                String type = rdn.getType();
                String value = String.valueOf(rdn.getValue());
                if (type.equalsIgnoreCase("CN") && name == null) {
                    name = value;
                } else if (type.equalsIgnoreCase("O")) {
                    groups.add(value);
                }
            }
        } catch (InvalidNameException e) {
            name = subject.getName();
        }
        return UserInfo.authenticated(name == null ? "" : name, groups);
    }

    // ---------------------------------------------------------------- PEM

    static List<X509Certificate> readCertificates(String flag, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> out = new ArrayList<>();
            for (java.security.cert.Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException(flag + " " + file + " holds no PEM certificate");
            }
            return out;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(flag + " " + file + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + flag + " " + file + ": " + e.getMessage(), e);
        } catch (CertificateException e) {
            throw new IllegalArgumentException(flag + " " + file + " is not a PEM certificate: " + e.getMessage(), e);
        }
    }

    static PrivateKey readPrivateKey(String flag, Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(r)) {
            JcaPEMKeyConverter convert = new JcaPEMKeyConverter();
            for (Object o; (o = pem.readObject()) != null; ) {
                if (o instanceof PEMKeyPair pair) { // PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY"
                    return convert.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (o instanceof PrivateKeyInfo info) { // PKCS#8 "PRIVATE KEY"
                    return convert.getPrivateKey(info);
                }
                if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new IllegalArgumentException(flag + " " + file + " is encrypted; give the key unencrypted "
                            + "(as the kubelet needs it), e.g. openssl pkey -in " + file + " -out key.pem");
                }
                // anything else (an "EC PARAMETERS" block, a certificate) is skipped, as Go's tls package does
            }
            throw new IllegalArgumentException(flag + " " + file + " holds no PEM private key (PKCS#8 \"PRIVATE KEY\", "
                    + "PKCS#1 \"RSA PRIVATE KEY\" or \"EC PRIVATE KEY\")");
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(flag + " " + file + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + flag + " " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code key} signs what {@code publicKey} verifies (RSA and EC; other kinds are left to the handshake). */
    private static boolean matches(PrivateKey key, PublicKey publicKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            default -> null;
        };
        if (algorithm == null) {
            return true;
        }
        if (!publicKey.getAlgorithm().equals(key.getAlgorithm())
                && !(publicKey.getAlgorithm().equals("EC") && key.getAlgorithm().equals("ECDSA"))) {
            return false;
        }
        try {
            byte[] probe = "resizelet key check".getBytes(StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(probe);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(publicKey);
            verify.update(probe);
            return verify.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String describe(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /**
     * The handshake's trust manager: it lists the client CAs in the CertificateRequest (so that clients pick the
     * right certificate) and takes whatever certificate the client shows (the client still proves it holds the
     * key); {@link #authenticate} decides per request, so the answer is a 401 {@code Status}, not a TLS alert.
     */
    private static final class AskingTrustManager extends X509ExtendedTrustManager {
        private final X509Certificate[] issuers;

        AskingTrustManager(List<X509Certificate> cas) {
            this.issuers = cas.toArray(new X509Certificate[0]);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the API server trusts no servers");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("the API server trusts no servers");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("the API server trusts no servers");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return issuers.clone();
        }
    }
}
