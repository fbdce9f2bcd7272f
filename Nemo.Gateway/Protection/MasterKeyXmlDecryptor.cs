using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Nemo.Gateway.Protection;

/// <summary>Decrypts what <see cref="MasterKeyXmlEncryptor"/> wrote. Data Protection creates it by type name, with the service provider.</summary>
internal sealed class MasterKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        string masterKey = services.GetRequiredService<IConfiguration>()["NEMO_MASTER_KEY"] ?? "";
        if (masterKey.Length == 0)
            throw new CryptographicException("Data Protection's key ring is encrypted with NEMO_MASTER_KEY, which is not set on this gateway.");
        byte[] nonce = Convert.FromBase64String(encryptedElement.Attribute("nonce")!.Value);
        byte[] tag = Convert.FromBase64String(encryptedElement.Attribute("tag")!.Value);
        byte[] cipher = Convert.FromBase64String(encryptedElement.Value);
        byte[] plain = new byte[cipher.Length];
        using (var aes = new AesGcm(MasterKeyXmlEncryptor.DeriveKey(masterKey), 16))
            aes.Decrypt(nonce, cipher, tag, plain);
        return XElement.Parse(Encoding.UTF8.GetString(plain));
    }
}
