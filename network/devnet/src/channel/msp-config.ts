import { msp } from '../protos';
import type { OrgMaterial } from '../crypto/types';

/** The org's verifying MSP as configtxgen encodes it from an MSP folder with NodeOUs enabled. */
export function buildMspConfig(org: OrgMaterial): msp.MSPConfig {
  const caCert = Buffer.from(org.caCertPem, 'utf8');
  const ouIdentifier = (ou: string): msp.FabricOUIdentifier => {
    const id = new msp.FabricOUIdentifier();
    id.setCertificate(caCert);
    id.setOrganizationalUnitIdentifier(ou);
    return id;
  };
  const nodeOus = new msp.FabricNodeOUs();
  nodeOus.setEnable(true);
  nodeOus.setClientOuIdentifier(ouIdentifier('client'));
  nodeOus.setPeerOuIdentifier(ouIdentifier('peer'));
  nodeOus.setAdminOuIdentifier(ouIdentifier('admin'));
  nodeOus.setOrdererOuIdentifier(ouIdentifier('orderer'));

  const cryptoConfig = new msp.FabricCryptoConfig();
  cryptoConfig.setSignatureHashFamily('SHA2');
  cryptoConfig.setIdentityIdentifierHashFunction('SHA256');

  const fabric = new msp.FabricMSPConfig();
  fabric.setName(org.mspId);
  fabric.setRootCertsList([caCert]);
  fabric.setTlsRootCertsList([Buffer.from(org.tlsCaCertPem, 'utf8')]);
  fabric.setCryptoConfig(cryptoConfig);
  fabric.setFabricNodeOus(nodeOus);

  const config = new msp.MSPConfig();
  config.setType(0); // FABRIC
  config.setConfig(fabric.serializeBinary());
  return config;
}
