using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Nemo.Gateway.Protection;

/// <summary>
/// Encrypts Data Protection's keys at rest with AES-256-GCM under a key derived (HKDF-SHA256) from
/// <c>NEMO_MASTER_KEY</c>, which every gateway shares: the database alone doesn't reveal the keys that
/// protect tenants' provider credentials. Rotating the master key makes the old ring unreadable (stored
/// credentials must then be set again). Written here because Data Protection's built-in encryptors
/// need a certificate, Windows DPAPI or Azure Key Vault.
/// </summary>
internal sealed class MasterKeyXmlEncryptor(byte[] key) : IXmlEncryptor
{
    public const string Element = "nemoMasterKeyEncrypted";

    public static byte[] DeriveKey(string masterKey) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(masterKey), 32, salt: [], info: "nemo data protection key ring v1"u8.ToArray());

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        byte[] plain = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        byte[] nonce = RandomNumberGenerator.GetBytes(12);
        byte[] cipher = new byte[plain.Length];
        byte[] tag = new byte[16];
        using (var aes = new AesGcm(key, 16))
            aes.Encrypt(nonce, plain, cipher, tag);
        var encrypted = new XElement(Element,
            new XAttribute("nonce", Convert.ToBase64String(nonce)),
            new XAttribute("tag", Convert.ToBase64String(tag)),
            Convert.ToBase64String(cipher));
        return new EncryptedXmlInfo(encrypted, typeof(MasterKeyXmlDecryptor));
    }
}
