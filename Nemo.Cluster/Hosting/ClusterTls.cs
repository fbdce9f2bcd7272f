using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;
using Orleans.Hosting;

namespace Nemo.Cluster.Hosting;

/// <summary>
/// Mutual TLS on silo-to-silo and client-to-gateway connections (Microsoft.Orleans.Connections.Security):
/// each node presents its certificate and accepts only peers whose certificate chains to the
/// configured CA. Host names are not checked (nodes are addressed by IP); the CA pin is the trust.
/// </summary>
internal static class ClusterTls
{
    public static void Configure(ISiloBuilder silo, NemoClusterOptions options)
    {
        (X509Certificate2 certificate, X509Certificate2 ca) = Load(options);
        silo.UseTls(certificate, tls => Apply(tls, ca));
    }

    public static void Configure(IClientBuilder client, NemoClusterOptions options)
    {
        (X509Certificate2 certificate, X509Certificate2 ca) = Load(options);
        client.UseTls(certificate, tls => Apply(tls, ca));
    }

    private static (X509Certificate2 Certificate, X509Certificate2 Ca) Load(NemoClusterOptions options) =>
        (X509CertificateLoader.LoadPkcs12FromFile(options.TlsCertificatePath!, options.TlsCertificatePassword),
         X509CertificateLoader.LoadCertificateFromFile(options.TlsCaCertificatePath!));

    private static void Apply(TlsOptions tls, X509Certificate2 ca)
    {
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.RemoteCertificateValidation = (certificate, presented, errors) => certificate is not null && ChainsTo(certificate, presented, ca, errors);
    }

    internal static bool ChainsTo(X509Certificate2 certificate, X509Chain? presented, X509Certificate2 ca, SslPolicyErrors errors)
    {
        if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        // Intermediates the peer sent in the handshake: a node certificate may be issued below the CA.
        if (presented is not null)
            foreach (X509ChainElement element in presented.ChainElements)
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
