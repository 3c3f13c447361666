/**
 * Each finding's fix in the detected product's own terms, as data: one row per (rule, product) with
 * the documentation the text was checked against. A rule without a row for the product (or an unknown
 * product) keeps the rule's generic remediation (ruleTable.ts).
 *
 * Adding a row (docs/audit-remediation.md): write only option names, values and menu names the cited
 * page itself shows, cite that page (https, the product's own documentation), and leave a rule out
 * rather than guess — the generic text is the honest fallback. Rows were checked against the pages'
 * sources: the MicrosoftDocs iis-docs and windowsserverdocs repositories, ProFTPD's doc/ tree,
 * pure-ftpd's README/README.TLS, vsftpd.conf(5) and sshd_config(5) as installed (Debian 12), the
 * FileZilla wiki.
 */
import type { ProductId } from '../types';

export interface Remediation {
  rule: string;
  product: ProductId;
  text: string;
  /** Where the text was checked: the product's own documentation. */
  source: string;
}

/** The documentation pages rows cite, one constant per page. */
export const SOURCES = {
  iisSsl: 'https://learn.microsoft.com/en-us/iis/configuration/system.applicationhost/sites/site/ftpserver/security/ssl',
  iisAnonymous: 'https://learn.microsoft.com/en-us/iis/configuration/system.applicationhost/sites/site/ftpserver/security/authentication/anonymousauthentication',
  iisCommandFiltering: 'https://learn.microsoft.com/en-us/iis/configuration/system.applicationhost/sites/site/ftpserver/security/commandfiltering/',
  iisIpSecurity: 'https://learn.microsoft.com/en-us/iis/configuration/system.ftpserver/security/ipsecurity/',
  iisDenyByFailure: 'https://learn.microsoft.com/en-us/iis/configuration/system.ftpserver/security/authentication/denybyfailure',
  schannelProtocols: 'https://learn.microsoft.com/en-us/windows-server/security/tls/tls-registry-settings',
  schannelSuites: 'https://learn.microsoft.com/en-us/windows-server/security/tls/manage-tls',
  vsftpd: 'https://security.appspot.com/vsftpd/vsftpd_conf.html',
  proftpdTls: 'https://www.proftpd.org/docs/contrib/mod_tls.html',
  proftpdCore: 'https://www.proftpd.org/docs/modules/mod_core.html',
  proftpdCopy: 'https://www.proftpd.org/docs/contrib/mod_copy.html',
  proftpdSftp: 'https://www.proftpd.org/docs/contrib/mod_sftp.html',
  pureTls: 'https://github.com/jedisct1/pure-ftpd/blob/master/README.TLS',
  pureReadme: 'https://github.com/jedisct1/pure-ftpd/blob/master/README',
  filezillaTls: 'https://wiki.filezilla-project.org/SSL/TLS',
  sshdConfig: 'https://man.openbsd.org/sshd_config',
  openssh96: 'https://www.openssh.com/txt/release-9.6',
  opensshPq: 'https://www.openssh.com/pq.html',
  win32OpenSsh: 'https://learn.microsoft.com/en-us/windows-server/administration/openssh/openssh-server-configuration',
} as const;

/** The documentation hosts each product's rows may cite (a unit test holds every row to them). */
export const PRODUCT_DOC_HOSTS: Readonly<Record<ProductId, readonly string[]>> = {
  'iis-ftp': ['learn.microsoft.com'],
  vsftpd: ['security.appspot.com'],
  proftpd: ['www.proftpd.org'],
  'proftpd-mod_sftp': ['www.proftpd.org'],
  'pure-ftpd': ['github.com/jedisct1/pure-ftpd', 'www.pureftpd.org'],
  'filezilla-server': ['wiki.filezilla-project.org', 'filezilla-project.org'],
  openssh: ['man.openbsd.org', 'www.openssh.com'],
  'win32-openssh': ['learn.microsoft.com'],
};

const S = SOURCES;

/** Rows for several rules that share one text and source (the certificate and cipher-suite families). */
function each(rules: readonly string[], product: ProductId, text: string, source: string): Remediation[] {
  return rules.map((rule) => ({ rule, product, text, source }));
}

const CERT_RULES = ['tls-cert-expired', 'tls-cert-expiring', 'tls-cert-hostname-mismatch', 'tls-cert-untrusted', 'tls-cert-weak-key', 'tls-cert-sha1-signature'] as const;
const SUITE_RULES = ['tls-weak-suite', 'tls-cbc-only', 'tls-no-forward-secrecy', 'tls-static-rsa-suites'] as const;

// ── Microsoft IIS FTP ────────────────────────────────────────────────────────────────────────────
const IIS_APPCMD_SSL = (attr: string) => `\`appcmd.exe set config -section:system.applicationHost/sites /[name='ftp.example.com'].ftpServer.security.ssl.${attr}:"SslRequire" /commit:apphost\``;
const IIS: Remediation[] = [
  {
    rule: 'ftp-no-auth-tls',
    product: 'iis-ftp',
    text: `In IIS Manager, open the FTP site's "FTP SSL Settings", choose the server's certificate under "SSL Certificate" and select "Require SSL connections" (applicationHost.config: \`<ftpServer><security><ssl serverCertHash="…" controlChannelPolicy="SslRequire" dataChannelPolicy="SslRequire" />\`). Without a certificate bound (\`serverCertHash\`) the site offers no TLS at all.`,
    source: S.iisSsl,
  },
  {
    rule: 'ftp-cleartext-login',
    product: 'iis-ftp',
    text: `In the site's "FTP SSL Settings" select "Require SSL connections" (or Custom → Advanced… → Control Channel "Require"): \`controlChannelPolicy="SslRequire"\`, so the client must negotiate SSL before other FTP commands are allowed. ${IIS_APPCMD_SSL('controlChannelPolicy')}`,
    source: S.iisSsl,
  },
  {
    rule: 'ftp-prot-c-accepted',
    product: 'iis-ftp',
    text: `In the site's "FTP SSL Settings" select "Require SSL connections" (or Custom → Advanced… → Data Channel "Require"): \`dataChannelPolicy="SslRequire"\`, so all data transfers must be encrypted. ${IIS_APPCMD_SSL('dataChannelPolicy')}`,
    source: S.iisSsl,
  },
  {
    rule: 'ftp-ccc-offered',
    product: 'iis-ftp',
    text: `IIS lists CCC in FEAT; only the control channel policy decides whether a client may drop TLS. Use \`controlChannelPolicy="SslRequire"\` ("FTP SSL Settings" → Custom → Advanced… → Control Channel "Require"), not "Require only for credentials" (\`SslRequireCredentialsOnly\`), which lets a client switch to a non-secure control channel after logging in. ${IIS_APPCMD_SSL('controlChannelPolicy')}`,
    source: S.iisSsl,
  },
  {
    rule: 'ftp-anonymous-login',
    product: 'iis-ftp',
    text: `In IIS Manager, open the FTP site's "FTP Authentication", select "Anonymous Authentication" and click Disable (applicationHost.config: \`<anonymousAuthentication enabled="false" />\`; appcmd: \`appcmd.exe set config -section:system.applicationHost/sites /[name='ftp.example.com'].ftpServer.security.authentication.anonymousAuthentication.enabled:"False" /commit:apphost\`).`,
    source: S.iisAnonymous,
  },
  {
    rule: 'ftp-anonymous-listing',
    product: 'iis-ftp',
    text: `Disable "Anonymous Authentication" under the site's "FTP Authentication" unless the area is meant to be public; if it is, limit who can reach it with "FTP IPv4 Address and Domain Restrictions" (Edit Feature Settings… to deny unspecified clients, \`allowUnlisted="false"\`, then Add Allow Entry… for the networks that need it).`,
    source: S.iisIpSecurity,
  },
  {
    rule: 'ftp-anonymous-cleartext',
    product: 'iis-ftp',
    text: `Select "Require SSL connections" in the site's "FTP SSL Settings" (\`controlChannelPolicy="SslRequire"\` and \`dataChannelPolicy="SslRequire"\`), or disable "Anonymous Authentication" under "FTP Authentication".`,
    source: S.iisSsl,
  },
  {
    rule: 'ftp-plaintext-port-open',
    product: 'iis-ftp',
    text: `The FTP site bound to that port allows clear sessions: in its "FTP SSL Settings" bind a certificate and select "Require SSL connections" (\`controlChannelPolicy="SslRequire"\`), or remove the binding.`,
    source: S.iisSsl,
  },
  {
    rule: 'ftp-site-commands',
    product: 'iis-ftp',
    text: `In the site's "FTP Request Filtering", Commands tab, use "Deny Command..." for SITE (applicationHost.config: \`<commandFiltering><add command="SITE" allowed="false" /></commandFiltering>\`; appcmd: \`appcmd.exe set config -section:system.applicationHost/sites /+"[name='ftp.example.com'].ftpServer.security.commandFiltering.[command='SITE',allowed='False']" /commit:apphost\`).`,
    source: S.iisCommandFiltering,
  },
  {
    rule: 'login-single-factor',
    product: 'iis-ftp',
    text: `If the account must keep logging in with a password alone, limit what a guessed or stolen one is worth: enable "FTP Logon Attempt Restrictions" at server level (\`denyByFailure\` \`enabled="true"\` with \`maxFailure\` and \`entryExpiration\`), and allow only known networks with the "FTP IP Address and Domain Restrictions" feature.`,
    source: S.iisDenyByFailure,
  },
  {
    rule: 'tls-legacy-version',
    product: 'iis-ftp',
    text: `IIS FTP uses Windows Schannel: disable TLS 1.0 and 1.1 for the server role with a DWORD "Enabled"=0 under \`HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0\\Server\` and \`…\\TLS 1.1\\Server\`, then restart the FTP service (services reuse credential handles until restarted).`,
    source: S.schannelProtocols,
  },
  ...each(
    SUITE_RULES,
    'iis-ftp',
    `IIS FTP uses Windows Schannel's cipher suites: set the order with the Group Policy "SSL Cipher Suite Order" (Computer Configuration → Administrative Templates → Network → SSL Configuration Settings) or the TLS PowerShell module (which can disable a cipher suite), keeping ECDHE suites with AES-GCM; the change takes effect after a restart.`,
    S.schannelSuites,
  ),
  ...each(
    CERT_RULES,
    'iis-ftp',
    `Install a new certificate (from a CA users trust, naming this host, RSA 2048+ or ECDSA, SHA-256) in the computer's certificate store and select it under "SSL Certificate" in the site's "FTP SSL Settings" (\`serverCertHash\`).`,
    S.iisSsl,
  ),
];

// ── vsftpd (vsftpd.conf) ─────────────────────────────────────────────────────────────────────────
const VSFTPD: Remediation[] = [
  { rule: 'ftp-no-auth-tls', product: 'vsftpd', text: 'In vsftpd.conf set `ssl_enable=YES` with `rsa_cert_file=` and `rsa_private_key_file=` pointing at the certificate and key, then restart vsftpd.', source: S.vsftpd },
  { rule: 'ftp-cleartext-login', product: 'vsftpd', text: 'In vsftpd.conf set `force_local_logins_ssl=YES` (with `ssl_enable=YES`): non-anonymous logins must send the password over TLS.', source: S.vsftpd },
  { rule: 'ftp-prot-c-accepted', product: 'vsftpd', text: 'In vsftpd.conf set `force_local_data_ssl=YES` (and `force_anon_data_ssl=YES` if anonymous access stays): data connections must use TLS.', source: S.vsftpd },
  { rule: 'ftp-anonymous-login', product: 'vsftpd', text: 'In vsftpd.conf set `anonymous_enable=NO` (it covers both the `ftp` and `anonymous` user names).', source: S.vsftpd },
  { rule: 'ftp-anonymous-listing', product: 'vsftpd', text: 'In vsftpd.conf set `anonymous_enable=NO`; if anonymous access is intended, keep only public files in its `anon_root` directory.', source: S.vsftpd },
  { rule: 'ftp-anonymous-cleartext', product: 'vsftpd', text: 'In vsftpd.conf set `allow_anon_ssl=YES`, `force_anon_logins_ssl=YES` and `force_anon_data_ssl=YES`, or `anonymous_enable=NO`.', source: S.vsftpd },
  { rule: 'ftp-banner-version', product: 'vsftpd', text: 'In vsftpd.conf set `ftpd_banner=` to a neutral greeting (e.g. `ftpd_banner=FTP server ready.`).', source: S.vsftpd },
  { rule: 'ftp-data-no-session-reuse', product: 'vsftpd', text: 'In vsftpd.conf set `require_ssl_reuse=YES`: data connections must reuse the control connection\'s TLS session.', source: S.vsftpd },
  { rule: 'ftp-site-commands', product: 'vsftpd', text: 'In vsftpd.conf set `chmod_enable=NO` to refuse SITE CHMOD.', source: S.vsftpd },
  {
    rule: 'tls-legacy-version',
    product: 'vsftpd',
    text: 'In vsftpd.conf set `ssl_tlsv1=NO`, `ssl_sslv2=NO` and `ssl_sslv3=NO`. vsftpd.conf(5) has no separate switch for TLS 1.1: if it is still accepted, upgrade vsftpd and OpenSSL.',
    source: S.vsftpd,
  },
  ...each(SUITE_RULES, 'vsftpd', 'In vsftpd.conf set `ssl_ciphers=` to an OpenSSL cipher list without weak, CBC-only or static-RSA suites (e.g. `ssl_ciphers=ECDHE+AESGCM:ECDHE+CHACHA20`).', S.vsftpd),
  ...each(CERT_RULES, 'vsftpd', 'Point `rsa_cert_file=` (and `rsa_private_key_file=`) in vsftpd.conf at a certificate from a CA users trust that names this host (RSA 2048+ or ECDSA, SHA-256), then restart vsftpd.', S.vsftpd),
];

// ── ProFTPD (proftpd.conf, mod_tls) ──────────────────────────────────────────────────────────────
const PROFTPD: Remediation[] = [
  { rule: 'ftp-no-auth-tls', product: 'proftpd', text: 'Load mod_tls and set `TLSEngine on`, `TLSRSACertificateFile` / `TLSRSACertificateKeyFile` and `TLSRequired on` in proftpd.conf.', source: S.proftpdTls },
  { rule: 'ftp-cleartext-login', product: 'proftpd', text: 'In proftpd.conf set `TLSRequired on` (or at least `TLSRequired ctrl`): the control channel, and so the password, must be protected by TLS.', source: S.proftpdTls },
  { rule: 'ftp-prot-c-accepted', product: 'proftpd', text: 'In proftpd.conf set `TLSRequired on` (or `auth+data`): data transfers must be protected by TLS.', source: S.proftpdTls },
  { rule: 'ftp-ccc-offered', product: 'proftpd', text: 'mod_tls lets a client clear the control channel with CCC only under `TLSRequired auth` or `auth+data`; set `TLSRequired on` so the control channel stays protected for the whole session.', source: S.proftpdTls },
  { rule: 'ftp-anonymous-login', product: 'proftpd', text: 'Remove (or comment out) the `<Anonymous>` section of proftpd.conf and reload ProFTPD.', source: S.proftpdCore },
  { rule: 'ftp-anonymous-listing', product: 'proftpd', text: 'Remove the `<Anonymous>` section of proftpd.conf; if anonymous access is intended, keep only public files in its anon-directory.', source: S.proftpdCore },
  { rule: 'ftp-anonymous-cleartext', product: 'proftpd', text: 'Put `TLSRequired on` inside the `<Anonymous>` section (mod_tls allows it there), or remove the section.', source: S.proftpdTls },
  { rule: 'ftp-banner-version', product: 'proftpd', text: 'In proftpd.conf set `ServerIdent on "FTP Server ready."` (or `ServerIdent off`); since 1.3.6rc3 the default greeting omits the version unless `%{version}` is used.', source: S.proftpdCore },
  { rule: 'ftp-data-no-session-reuse', product: 'proftpd', text: 'Remove `NoSessionReuseRequired` from `TLSOptions` in proftpd.conf: mod_tls then only accepts data connections that reuse the control connection\'s TLS session.', source: S.proftpdTls },
  { rule: 'ftp-site-commands', product: 'proftpd', text: 'In proftpd.conf set `CopyEngine off` to disable mod_copy\'s SITE CPFR/SITE CPTO (the commands of CVE-2015-3306).', source: S.proftpdCopy },
  { rule: 'tls-legacy-version', product: 'proftpd', text: 'In proftpd.conf set `TLSProtocol TLSv1.2 TLSv1.3`.', source: S.proftpdTls },
  ...each(SUITE_RULES, 'proftpd', 'In proftpd.conf set `TLSCipherSuite` to an OpenSSL cipher list without weak, CBC-only or static-RSA suites (e.g. `TLSCipherSuite ECDHE+AESGCM:ECDHE+CHACHA20`); TLS 1.3 suites take `TLSCipherSuite TLSv1.3 …`.', S.proftpdTls),
  ...each(CERT_RULES, 'proftpd', 'Point `TLSRSACertificateFile` (and `TLSCertificateChainFile` for the intermediate CAs) in proftpd.conf at a certificate from a CA users trust that names this host (RSA 2048+ or ECDSA, SHA-256), then restart ProFTPD.', S.proftpdTls),
];

// ── Pure-FTPd (command-line switches) ────────────────────────────────────────────────────────────
const PURE: Remediation[] = [
  { rule: 'ftp-no-auth-tls', product: 'pure-ftpd', text: 'Install the certificate and key in /etc/ssl/private/pure-ftpd.pem and start pure-ftpd with `--tls=2` (`-Y 2`): cleartext sessions are refused.', source: S.pureTls },
  { rule: 'ftp-cleartext-login', product: 'pure-ftpd', text: 'Start pure-ftpd with `--tls=2` (`-Y 2`): cleartext sessions are refused and only TLS clients are accepted.', source: S.pureTls },
  { rule: 'ftp-prot-c-accepted', product: 'pure-ftpd', text: 'Start pure-ftpd with `--tls=3` (`-Y 3`): cleartext sessions and clear data connections are both refused.', source: S.pureTls },
  { rule: 'ftp-anonymous-login', product: 'pure-ftpd', text: 'Start pure-ftpd with `-E` (`--noanonymous`): only authenticated users may log in.', source: S.pureReadme },
  { rule: 'ftp-anonymous-listing', product: 'pure-ftpd', text: 'Start pure-ftpd with `-E` (`--noanonymous`), or keep only public files in the anonymous area.', source: S.pureReadme },
  { rule: 'ftp-anonymous-cleartext', product: 'pure-ftpd', text: 'Start pure-ftpd with `--tls=2` (`-Y 2`), which refuses cleartext sessions, or with `-E` to refuse anonymous logins.', source: S.pureTls },
  ...each(SUITE_RULES, 'pure-ftpd', 'Start pure-ftpd with `-J` / `--tlsciphersuite=` set to an OpenSSL cipher list without weak, CBC-only or static-RSA suites (e.g. `--tlsciphersuite=ECDHE+AESGCM:ECDHE+CHACHA20`).', S.pureTls),
  ...each(CERT_RULES, 'pure-ftpd', 'Replace /etc/ssl/private/pure-ftpd.pem (private key and certificate in one file) with a certificate from a CA users trust that names this host (RSA 2048+ or ECDSA, SHA-256), then restart pure-ftpd.', S.pureTls),
];

// ── FileZilla Server (administration interface) ──────────────────────────────────────────────────
const FILEZILLA: Remediation[] = [
  { rule: 'ftp-no-auth-tls', product: 'filezilla-server', text: 'In the FileZilla Server administration interface, open the settings\' "FTP over TLS settings", set the certificate and private key files, and force clients to always use FTP over TLS.', source: S.filezillaTls },
  { rule: 'ftp-cleartext-login', product: 'filezilla-server', text: 'In the "FTP over TLS settings" of the administration interface, force clients to always use FTP over TLS so that those that do not are refused.', source: S.filezillaTls },
  { rule: 'ftp-prot-c-accepted', product: 'filezilla-server', text: 'In the "FTP over TLS settings" of the administration interface, enforce PROT P: PROT C is then rejected.', source: S.filezillaTls },
  { rule: 'ftp-anonymous-cleartext', product: 'filezilla-server', text: 'In the "FTP over TLS settings" of the administration interface, force clients to always use FTP over TLS.', source: S.filezillaTls },
  ...each(CERT_RULES, 'filezilla-server', 'In the "FTP over TLS settings" of the administration interface, point the private key and certificate files at a certificate from a CA users trust that names this host (RSA 2048+ or ECDSA, SHA-256).', S.filezillaTls),
];

// ── OpenSSH, Win32-OpenSSH (sshd_config) ─────────────────────────────────────────────────────────
/** The sshd_config rows shared by OpenSSH and Win32-OpenSSH; `where` says which file and how to apply it. */
function sshdRows(product: 'openssh' | 'win32-openssh', where: string, source: string, hostKeyDir: string): Remediation[] {
  const row = (rule: string, text: string): Remediation => ({ rule, product, text: `${text} ${where}`, source });
  return [
    row('ssh-weak-kex', 'Remove the algorithm with `KexAlgorithms -name` (a list starting with "-" removes from the default set), keeping curve25519-sha256 and, where offered, sntrup761x25519-sha512@openssh.com / mlkem768x25519-sha256.'),
    row('ssh-weak-host-key-algorithm', 'Remove it with `HostKeyAlgorithms -name` and serve an ed25519 host key.'),
    row('ssh-weak-cipher', 'Remove it with `Ciphers -name`, keeping chacha20-poly1305@openssh.com and aes256-gcm@openssh.com / aes128-gcm@openssh.com.'),
    row('ssh-weak-mac', 'Remove it with `MACs -name`, keeping hmac-sha2-256-etm@openssh.com and hmac-sha2-512-etm@openssh.com.'),
    row('ssh-dsa-host-key', `Delete the \`HostKey ${hostKeyDir}/ssh_host_dsa_key\` line (and the key) so only the ed25519, ECDSA and RSA keys remain.`),
    row('ssh-rsa-host-key-small', `Serve \`HostKey ${hostKeyDir}/ssh_host_ed25519_key\` and replace the RSA key with a 3072-bit one (tell users the new fingerprint out of band).`),
    row('ssh-rsa-host-key-below-3072', `Prefer \`HostKey ${hostKeyDir}/ssh_host_ed25519_key\`, or replace the RSA key with a 3072-bit one.`),
    row('ssh-password-auth', product === 'win32-openssh' ? 'Set `PasswordAuthentication no` so only public keys are accepted (Windows OpenSSH offers password and publickey only).' : 'Set `PasswordAuthentication no`, or require a key and a second factor with `AuthenticationMethods publickey,keyboard-interactive`.'),
    row(
      'login-single-factor',
      product === 'win32-openssh'
        ? 'Windows OpenSSH only has `password` and `publickey`: require both with `AuthenticationMethods publickey,password` for the account (a `Match User` or `Match Group` block).'
        : 'Require two methods for the account with `AuthenticationMethods publickey,keyboard-interactive` (keyboard-interactive backed by a one-time-code PAM module), in a `Match User` or `Match Group` block.',
    ),
    row('ssh-no-authentication', 'Set `PermitEmptyPasswords no` and `AuthenticationMethods publickey` (or `publickey,password`) so every session needs a credential.'),
  ];
}

const OPENSSH_WHERE = 'In `/etc/ssh/sshd_config`, then reload sshd.';
const WIN32_WHERE = 'In `%ProgramData%\\ssh\\sshd_config`, then restart the service (`Restart-Service sshd` in an elevated PowerShell): sshd reads its configuration only when the service starts.';

const OPENSSH: Remediation[] = [
  ...sshdRows('openssh', OPENSSH_WHERE, S.sshdConfig, '/etc/ssh'),
  { rule: 'ssh-compression-before-auth', product: 'openssh', text: 'Current OpenSSH compresses only after authentication (`Compression yes`; `delayed` is a legacy synonym); set `Compression no` to turn it off, and upgrade a server that still offers plain zlib before login.', source: S.sshdConfig },
  { rule: 'ssh-terrapin', product: 'openssh', text: 'Upgrade to OpenSSH 9.6 or later (strict key exchange, the Terrapin countermeasure; both ends must support it) or a distribution build with the fix.', source: S.openssh96 },
  { rule: 'ssh-no-post-quantum-kex', product: 'openssh', text: 'Upgrade: OpenSSH has offered post-quantum key agreement by default since 9.0 (sntrup761x25519-sha512); 9.9 added mlkem768x25519-sha256, the default since 10.0. Keep them in `KexAlgorithms` if the list is set explicitly.', source: S.opensshPq },
];

const WIN32: Remediation[] = sshdRows('win32-openssh', WIN32_WHERE, S.win32OpenSsh, '__PROGRAMDATA__/ssh');

// ── ProFTPD mod_sftp ─────────────────────────────────────────────────────────────────────────────
const MOD_SFTP: Remediation[] = [
  { rule: 'ssh-weak-kex', product: 'proftpd-mod_sftp', text: 'List only strong key exchanges with `SFTPKeyExchanges` in the mod_sftp `<VirtualHost>` (e.g. `SFTPKeyExchanges curve25519-sha256 ecdh-sha2-nistp256`), leaving out the SHA-1 ones.', source: S.proftpdSftp },
  { rule: 'ssh-weak-cipher', product: 'proftpd-mod_sftp', text: 'List only strong ciphers with `SFTPCiphers` (e.g. `SFTPCiphers aes256-gcm@openssh.com aes128-gcm@openssh.com aes256-ctr aes128-ctr`), leaving out CBC and 3DES.', source: S.proftpdSftp },
  { rule: 'ssh-weak-mac', product: 'proftpd-mod_sftp', text: 'List only strong MACs with `SFTPDigests` (e.g. `SFTPDigests hmac-sha2-256-etm@openssh.com hmac-sha2-512-etm@openssh.com hmac-sha2-256 hmac-sha2-512`).', source: S.proftpdSftp },
  { rule: 'ssh-weak-host-key-algorithm', product: 'proftpd-mod_sftp', text: 'Load an ed25519 key with `SFTPHostKey` and drop the weak key type (e.g. `SFTPHostKey NoDSA`).', source: S.proftpdSftp },
  { rule: 'ssh-dsa-host-key', product: 'proftpd-mod_sftp', text: 'Remove the DSA `SFTPHostKey` line (or add `SFTPHostKey NoDSA`) and load an ed25519 key with `SFTPHostKey`.', source: S.proftpdSftp },
  { rule: 'ssh-rsa-host-key-small', product: 'proftpd-mod_sftp', text: 'Point `SFTPHostKey` at an ed25519 key and a new 3072-bit RSA key (the same host keys as the host\'s SSH server).', source: S.proftpdSftp },
  { rule: 'ssh-rsa-host-key-below-3072', product: 'proftpd-mod_sftp', text: 'Prefer an ed25519 key in `SFTPHostKey`, or a 3072-bit RSA key.', source: S.proftpdSftp },
  { rule: 'ssh-compression-before-auth', product: 'proftpd-mod_sftp', text: 'Set `SFTPCompression delayed` (compression only after authentication) or `SFTPCompression off`.', source: S.proftpdSftp },
  { rule: 'ssh-password-auth', product: 'proftpd-mod_sftp', text: 'Offer public keys only with `SFTPAuthMethods publickey`, or require both with the chain `SFTPAuthMethods publickey+password`.', source: S.proftpdSftp },
  { rule: 'login-single-factor', product: 'proftpd-mod_sftp', text: 'Require two methods with an authentication chain: `SFTPAuthMethods publickey+password` (proftpd 1.3.6rc2 and later).', source: S.proftpdSftp },
  { rule: 'ssh-no-authentication', product: 'proftpd-mod_sftp', text: 'Set `SFTPAuthMethods` to methods that need a credential (e.g. `SFTPAuthMethods publickey`).', source: S.proftpdSftp },
];

export const REMEDIATIONS: readonly Remediation[] = [...IIS, ...VSFTPD, ...PROFTPD, ...PURE, ...FILEZILLA, ...OPENSSH, ...WIN32, ...MOD_SFTP];

const BY_KEY = new Map(REMEDIATIONS.map((r) => [`${r.rule}\u0000${r.product}`, r]));

/**
 * Login-stage rules that find, inside the user's session, what a probe rule finds before login: the
 * fix is the same setting, so they share the probe rule's rows.
 */
const SAME_FIX_AS: Readonly<Record<string, string>> = { 'ftp-login-prot-c': 'ftp-prot-c-accepted', 'ftp-login-ccc': 'ftp-ccc-offered' };

export function remediationFor(rule: string, product: ProductId | undefined): Remediation | undefined {
  if (!product) return undefined;
  return BY_KEY.get(`${rule}\u0000${product}`) ?? (SAME_FIX_AS[rule] ? BY_KEY.get(`${SAME_FIX_AS[rule]}\u0000${product}`) : undefined);
}
