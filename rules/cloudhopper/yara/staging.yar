/*
 * Staging artefacts. Operation Cloud Hopper (PwC/BAE 2017) describes data
 * collected on MSP-managed hosts, compressed into (multi-part,
 * password-protected) RAR archives and moved through the MSP's network
 * before exfiltration; TA18-276B repeats the staging and archiving step.
 * An encrypted RAR in a system or shared folder, or one wearing another
 * extension, is that step's residue. Written by the vigil project from the
 * RAR 4 and RAR 5 header layouts (rarlab technote):
 *   RAR 4: "Rar!\x1a\x07\x00", main header at 7 (type 0x73, flag 0x0080 =
 *          headers encrypted, -hp); first file header (type 0x74) at
 *          7 + main HEAD_SIZE, flag 0x0004 = file data encrypted (-p).
 *   RAR 5: "Rar!\x1a\x07\x01\x00", then an archive encryption header
 *          (type 4) first when the headers are encrypted (-hp).
 */

private rule CH_Encrypted_RAR
{
    condition:
        (uint32(0) == 0x21726152 and uint16(4) == 0x071A and uint8(6) == 0x00
         and uint8(9) == 0x73
         and ((uint16(10) & 0x0080) != 0
              or (uint8(7 + uint16(12) + 2) == 0x74
                  and (uint16(7 + uint16(12) + 3) & 0x0004) != 0)))
        or
        (uint32(0) == 0x21726152 and uint16(4) == 0x071A and uint16(6) == 0x0001
         and uint8(12) < 0x80 and uint8(13) == 0x04)
}

rule CH_Staging_Encrypted_RAR_Unusual_Place : apt10 staging
{
    meta:
        description = "Password-protected RAR archive in a system, shared or temporary folder"
        author = "vigil project"
        reference = "https://www.pwc.co.uk/cyber-security/pdf/cloud-hopper-report-final-v4.pdf"
        reference2 = "https://www.us-cert.gov/ncas/alerts/TA18-276B"
        date = "2026-11-23"
        score = 75
    condition:
        CH_Encrypted_RAR and filepath matches
        /[\\\/](programdata|perflogs|\$recycle\.bin|recycler|windows[\\\/](temp|debug|tasks|fonts|help|inf|system32|syswow64)|users[\\\/]public|intel|inetpub)([\\\/]|$)/i
}

rule CH_Staging_Encrypted_RAR_Disguised : apt10 staging
{
    meta:
        description = "Password-protected RAR archive wearing another extension (.dat, .log, .tmp, .jpg ...)"
        author = "vigil project"
        reference = "https://www.pwc.co.uk/cyber-security/pdf/cloud-hopper-report-final-v4.pdf"
        date = "2026-11-23"
        score = 80
    condition:
        CH_Encrypted_RAR and not extension matches /^\.(rar|r[0-9][0-9]|part[0-9]*|[0-9][0-9][0-9]|rev|exe)$/i
        and extension != ""
}
