/*
 * Admin and credential tools, renamed. The MSP intrusions moved with the
 * providers' own credentials and ordinary administration tools (PsExec,
 * remote services, RDP) and dumped credentials with public tools such as
 * Mimikatz; renamed copies of these tools in working folders are a
 * recurring finding of the incident reports. Written by the vigil project
 * from the descriptions in US-CERT TA18-276B (2018, APT activity
 * exploiting MSPs), the PwC/BAE Operation Cloud Hopper report (2017) and
 * the NCSC-led "Joint report on publicly available hacking tools" (2018,
 * Mimikatz). Tool strings are those of the public tools themselves.
 */

rule CH_Renamed_PsExec : admin_tool renamed
{
    meta:
        description = "Sysinternals PsExec under another file name"
        author = "vigil project"
        reference = "https://www.us-cert.gov/ncas/alerts/TA18-276B"
        reference2 = "https://www.pwc.co.uk/cyber-security/pdf/cloud-hopper-report-final-v4.pdf"
        date = "2026-11-23"
        score = 75
    strings:
        $svc = "PSEXESVC" ascii wide
        $si = "Sysinternals" ascii wide
        $name = "PsExec" ascii wide
    condition:
        uint16(0) == 0x5A4D and all of them
        and not filename matches /^(psexec|psexec64|psexesvc)(\.exe)?$/i
}

rule CH_Renamed_ProcDump : admin_tool renamed credential_access
{
    meta:
        description = "Sysinternals ProcDump (used to dump LSASS) under another file name"
        author = "vigil project"
        reference = "https://www.us-cert.gov/ncas/alerts/TA18-276B"
        date = "2026-11-23"
        score = 75
    strings:
        $si = "Sysinternals" ascii wide
        $name = "ProcDump" ascii wide
        $opt = "-ma" ascii wide
    condition:
        uint16(0) == 0x5A4D and all of them
        and not filename matches /^procdump(64|64a)?(\.exe)?$/i
}

rule CH_Mimikatz_Any_Name : credential_access
{
    meta:
        description = "Mimikatz credential dumper (any file name)"
        author = "vigil project"
        reference = "https://www.ncsc.gov.uk/content/files/protected_files/article_files/Joint%20report%20on%20publicly%20available%20hacking%20tools%20%28NCSC%29.pdf"
        reference2 = "https://www.pwc.co.uk/cyber-security/pdf/cloud-hopper-report-final-v4.pdf"
        date = "2026-11-23"
        score = 85
    strings:
        $a = "sekurlsa::logonpasswords" ascii wide nocase
        $b = "gentilkiwi" ascii wide
        $c = "mimikatz" ascii wide nocase
        $d = "lsadump::" ascii wide nocase
    condition:
        uint16(0) == 0x5A4D and 2 of them
}
