/*
 * UPPERCUT (FireEye) / ANEL (JPCERT/CC, Trend Micro) - the APT10 backdoor
 * of 2017-2018 against Japanese targets. Rules written by the vigil project
 * from facts published in:
 *   FireEye, "APT10 Targeting Japanese Corporations Using Updated TTPs"
 *     (2018-09-13): macro drops padre1-3.txt, GUP.txt and libcurl.txt in
 *     %ALLUSERSPROFILE% (C:\ProgramData), decodes them with certutil,
 *     renames with esentutl, runs the signed GUP.exe which side-loads the
 *     libcurl.dll loader; C&C eservake.jetos.com, 151.106.53.147,
 *     153.92.210.208;
 *   JPCERT/CC YARA set github.com/JPCERTCC/jpcert-yara (APT10/apt10.yara):
 *     ANEL debug strings, loader string table, LNK downloader script.
 */

rule CH_UPPERCUT_ANEL_Backdoor_Strings : apt10 uppercut anel
{
    meta:
        description = "UPPERCUT/ANEL backdoor by its loader and C&C messages"
        author = "vigil project"
        reference = "https://github.com/JPCERTCC/jpcert-yara (APT10/apt10.yara)"
        date = "2026-11-23"
        score = 90
    strings:
        $s1 = "dll_size %Iu bytes, compress_size %Iu bytes, dllhash 0x%08x" ascii
        $s2 = "The file does not exist on this server!" ascii
        $s3 = "WARNING: loading PE file without .reloc section!" ascii
        $s4 = "x86 version supports x86 shellcode only!" ascii
    condition:
        uint16(0) == 0x5A4D and 3 of them
}

rule CH_UPPERCUT_ANEL_Loader : apt10 uppercut anel
{
    meta:
        description = "ANEL loader DLL: scrambled API-name table and its offset table"
        author = "vigil project"
        reference = "https://github.com/JPCERTCC/jpcert-yara (APT10/apt10.yara)"
        date = "2026-11-23"
        score = 85
    strings:
        $names = "hprOBnaeloheSredDyrctbuo" ascii
        $table = { 3C 3E 44 3E 4C 3E 54 3E 5C 3E 64 3E 6C 3E 74 3E }
    condition:
        uint16(0) == 0x5A4D and filesize < 1000KB and all of them
}

rule CH_UPPERCUT_ANEL_Shortcut_Downloader : apt10 uppercut anel
{
    meta:
        description = "ANEL shortcut downloader: PowerShell that expands a CAB into Templates and opens a decoy"
        author = "vigil project"
        reference = "https://github.com/JPCERTCC/jpcert-yara (APT10/apt10.yara)"
        date = "2026-11-23"
        score = 85
    strings:
        $s1 = "$($env:APPDATA)+'\\Microsoft\\Templates\\'" ascii wide
        $s2 = ".Length - 1)]);expand $" ascii wide
        $s3 = "Invoke-Item -Path $docPath;Remove-Item -Path $cabPath -Force" ascii wide
        $cab = { 4D 53 43 46 00 00 00 00 }
    condition:
        uint32(0) == 0x0000004C and 3 of them
}

rule CH_UPPERCUT_Macro_Dropper_Names : apt10 uppercut
{
    meta:
        description = "Document or script naming the UPPERCUT drop files in ProgramData (padre*.txt, GUP.txt, libcurl.txt)"
        author = "vigil project"
        reference = "https://www.fireeye.com/blog/threat-research/2018/09/apt10-targeting-japanese-corporations-using-updated-ttps.html"
        date = "2026-11-23"
        score = 80
    strings:
        $p1 = "\\padre1.txt" ascii wide nocase
        $p2 = "\\padre2.txt" ascii wide nocase
        $p3 = "\\padre3.txt" ascii wide nocase
        $g = "\\GUP.txt" ascii wide nocase
        $l = "\\libcurl.txt" ascii wide nocase
    condition:
        2 of them
}

rule CH_APT10_Published_C2_Strings : apt10
{
    meta:
        description = "Binary or script embedding a C&C host published for REDLEAVES or UPPERCUT"
        author = "vigil project"
        reference = "https://www.fireeye.com/blog/threat-research/2018/09/apt10-targeting-japanese-corporations-using-updated-ttps.html"
        reference2 = "https://github.com/nccgroup/Cyber-Defence (Signatures/yara/red_leaves.yara)"
        date = "2026-11-23"
        score = 85
    strings:
        $d1 = "eservake.jetos.com" ascii wide nocase
        $d2 = "owlmedia.mefound.com" ascii wide nocase
        $i1 = "151.106.53.147" ascii wide
        $i2 = "153.92.210.208" ascii wide
    condition:
        any of them
}
