/*
 * ChChes - the APT10 first-stage backdoor of 2016-2017 (Japan; delivered as
 * shortcut files and PowerShell, some builds signed with the certificate
 * stolen from Hacking Team). Rules written by the vigil project from facts
 * published by JPCERT/CC: "ChChes - Malware that Communicates with C&C
 * Servers Using Cookie Headers" (Feb 2017), "Malware Leveraging PowerSploit"
 * (Mar 2017) and the JPCERT/CC YARA set github.com/JPCERTCC/jpcert-yara
 * (APT10/apt10.yara), which lists the sample hashes.
 */

rule CH_ChChes_Shortcut_Downloader : apt10 chches
{
    meta:
        description = "ChChes shortcut (LNK) downloader: decoy path or builder host names"
        author = "vigil project"
        reference = "https://github.com/JPCERTCC/jpcert-yara (APT10/apt10.yara)"
        reference2 = "JPCERT/CC blog, 2017-02, ChChes - Malware that Communicates with C&C Servers Using Cookie Headers"
        date = "2026-11-23"
        score = 85
    strings:
        $decoy = "C:\\Users\\suzuki\\Documents\\my\\card.rtf" wide
        $cmd = "cmd.exe" ascii wide nocase
        $h1 = "john-pc" ascii wide
        $h2 = "win-hg68mmgacjc" ascii wide
        $h3 = "t-user-nb" ascii wide
    condition:
        uint32(0) == 0x0000004C and ($decoy or ($cmd and any of ($h*)))
}

rule CH_ChChes_PowerSploit_Dropper : apt10 chches
{
    meta:
        description = "ChChes PowerShell dropper built on PowerSploit's Invoke-Shellcode"
        author = "vigil project"
        reference = "https://github.com/JPCERTCC/jpcert-yara (APT10/apt10.yara)"
        reference2 = "JPCERT/CC blog, 2017-03-01, Malware Leveraging PowerSploit"
        date = "2026-11-23"
        score = 85
    strings:
        $doc = "invoke-ExEDoc" ascii wide nocase
        $s1 = "Invoke-Shellcode" ascii wide nocase
        $s2 = "Invoke-shCdpot" ascii wide nocase
    condition:
        $doc and ($s1 or $s2)
}

rule CH_ChChes_Implant : apt10 chches
{
    meta:
        description = "ChChes implant: random .html C&C path with its push of the 0xE104 constant"
        author = "vigil project"
        reference = "https://github.com/JPCERTCC/jpcert-yara (APT10/apt10.yara)"
        reference2 = "JPCERT/CC blog, 2017-02, ChChes - Malware that Communicates with C&C Servers Using Cookie Headers"
        date = "2026-11-23"
        score = 80
    strings:
        $path = "/%r.html" ascii
        $http = "http://" ascii
        $f1 = "atan2" ascii
        $f2 = "_hypot" ascii
        $f3 = "_nextafter" ascii
        $push = { 68 04 E1 00 00 }
    condition:
        uint16(0) == 0x5A4D and all of them
}

rule CH_ChChes_HackingTeam_Certificate : apt10 chches
{
    meta:
        description = "PE carrying the HT Srl code-signing certificate stolen from Hacking Team and used to sign ChChes"
        author = "vigil project"
        reference = "https://github.com/JPCERTCC/jpcert-yara (APT10/apt10.yara)"
        reference2 = "JPCERT/CC blog, 2017-02, ChChes - Malware that Communicates with C&C Servers Using Cookie Headers"
        date = "2026-11-23"
        score = 80
    strings:
        $cn = "HT Srl" ascii
        $l = "Milan" ascii
        $st = "Italy" ascii
        $ou = "Digital ID Class 3 - Microsoft Software Validation v2" ascii
    condition:
        uint16(0) == 0x5A4D and all of them
}
