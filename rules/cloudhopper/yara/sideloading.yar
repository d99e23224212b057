/*
 * DLL side-loading pairs of the group: a legitimate signed executable is
 * copied into a working folder together with a malicious DLL of the name
 * it imports, and loads that DLL from its own folder. On disk the tell is
 * the DLL's name in a folder where the genuine product never puts it, so
 * these rules use the Loki external variables vigil sets per file:
 * filename (base name), filepath (Loki passes the path; the regexes below
 * accept either the full path or its directory, with / or \ separators).
 * Written by the vigil project from facts published in:
 *   FireEye 2018-09-13 (UPPERCUT): GUP.exe + libcurl.dll in C:\ProgramData;
 *   NCC Group Red Leaves signatures: StarBurn.dll loader exporting a
 *     modified StarBurn_GetVersion and under 200 KB; libcef.dll loader under
 *     200 KB (the genuine Chromium Embedded Framework DLL is over 10 MiB);
 *   enSilo, "Uncovering New Activity by APT10" (2019): the signed Java
 *     jjs.exe side-loading a malicious jli.dll outside a Java installation;
 *   Proofpoint, "APT Targets Russia and Belarus with ZeroT and PlugX" (2017):
 *     PlugX side-loaded by McAfee's mcut.exe / McUtil.dll.
 */

rule CH_SideLoad_libcurl_ProgramData : apt10 uppercut sideloading
{
    meta:
        description = "libcurl.dll directly in ProgramData, where UPPERCUT's loader sat beside the signed GUP.exe"
        author = "vigil project"
        reference = "https://www.fireeye.com/blog/threat-research/2018/09/apt10-targeting-japanese-corporations-using-updated-ttps.html"
        date = "2026-11-23"
        score = 80
    condition:
        uint16(0) == 0x5A4D and filename iequals "libcurl.dll"
        and filepath matches /[\\\/]programdata([\\\/][^\\\/]*)?$/i
}

rule CH_SideLoad_StarBurn_Small : apt10 redleaves sideloading
{
    meta:
        description = "Small StarBurn.dll exporting StarBurn_GetVersion: the REDLEAVES loader, not the StarBurn SDK"
        author = "vigil project"
        reference = "https://github.com/nccgroup/Cyber-Defence (Signatures/yara/red_leaves.yara)"
        reference2 = "https://www.us-cert.gov/ncas/alerts/TA17-117A"
        date = "2026-11-23"
        score = 80
    strings:
        $exp = "StarBurn_GetVersion" ascii
    condition:
        uint16(0) == 0x5A4D and filesize < 200KB and filename iequals "starburn.dll" and $exp
}

rule CH_SideLoad_libcef_Small : apt10 redleaves sideloading
{
    meta:
        description = "libcef.dll far smaller than the real Chromium Embedded Framework DLL: a REDLEAVES-style loader"
        author = "vigil project"
        reference = "https://github.com/nccgroup/Cyber-Defence (Signatures/yara/red_leaves.yara)"
        date = "2026-11-23"
        score = 75
    strings:
        $exp = "cef_string_utf16_set" ascii
    condition:
        uint16(0) == 0x5A4D and filesize < 200KB and filename iequals "libcef.dll" and $exp
}

rule CH_SideLoad_jli_Outside_Java : apt10 sideloading
{
    meta:
        description = "jli.dll outside any Java installation: the DLL the signed jjs.exe side-loads"
        author = "vigil project"
        reference = "https://blog.ensilo.com/uncovering-new-activity-by-apt10"
        date = "2026-11-23"
        score = 80
    condition:
        uint16(0) == 0x5A4D and filename iequals "jli.dll"
        and not filepath matches /(java|jdk|jre|jvm|openjdk|zulu|corretto|adoptium|temurin|eclipse|oracle|jetbrains|android)/i
}

rule CH_SideLoad_McUtil_Outside_McAfee : plugx sideloading
{
    meta:
        description = "McUtil.dll outside a McAfee installation: PlugX side-loaded by McAfee's signed executable"
        author = "vigil project"
        reference = "https://www.proofpoint.com/us/threat-insight/post/APT-targets-russia-belarus-zerot-plugx"
        date = "2026-11-23"
        score = 75
    condition:
        uint16(0) == 0x5A4D and filename iequals "mcutil.dll"
        and not filepath matches /mcafee/i
}
