/*
 * REDLEAVES - the implant most specific to the 2016-2017 MSP intrusions
 * (APT10 / Operation Cloud Hopper). Rules written by the vigil project from
 * facts published in:
 *   US-CERT TA17-117A (April 2017) and its IR-ALERT-MED-17-093-01C report:
 *     strings of the core implant, the XOR 0x01 obfuscation of the .dat
 *     payload, the StarBurn.dll / handkerchief.dat side-loading loader;
 *   NCC Group, "Red Leaves" signatures (github.com/nccgroup/Cyber-Defence,
 *     Signatures/yara/red_leaves.yara, 2017): configuration and C&C
 *     artefacts, loader file names;
 *   JPCERT/CC (github.com/JPCERTCC/jpcert-yara, APT10/apt10.yara): the
 *     Himawari variant's strings.
 */

rule CH_RedLeaves_Core_Strings : apt10 redleaves
{
    meta:
        description = "REDLEAVES RAT core: internal DLL name, command-shell mutex or named pipe"
        author = "vigil project"
        reference = "https://www.us-cert.gov/ncas/alerts/TA17-117A"
        reference2 = "https://github.com/JPCERTCC/jpcert-yara (APT10/apt10.yara)"
        date = "2026-11-23"
        score = 90
    strings:
        $dll = "red_autumnal_leaves_dllmain.dll" ascii wide
        $mutex = "RedLeavesCMDSimulatorMutex" ascii wide nocase
        $pipe = "\\NamePipe_MoreWindows" ascii wide
    condition:
        // registry hives can hold the mutex name of a past infection; the
        // hive is a different artefact from the implant
        uint32(0) != 0x66676572 and any of them
}

rule CH_RedLeaves_Obfuscated_Payload : apt10 redleaves
{
    meta:
        description = "REDLEAVES payload file (.dat) holding the implant's DLL name XOR-ed with 0x01"
        author = "vigil project"
        reference = "https://www.us-cert.gov/ncas/alerts/TA17-117A"
        date = "2026-11-23"
        score = 85
    strings:
        $x = "red_autumnal_leaves_dllmain.dll" xor(0x01)
    condition:
        $x
}

rule CH_RedLeaves_Config_Artefacts : apt10 redleaves
{
    meta:
        description = "REDLEAVES C&C message fields and file-transfer keys (memory dumps, decoded payloads)"
        author = "vigil project"
        reference = "https://github.com/nccgroup/Cyber-Defence (Signatures/yara/red_leaves.yara)"
        date = "2026-11-23"
        score = 70
    strings:
        $m1 = "__msgid=" ascii wide
        $m2 = "__serial=" ascii wide
        $m3 = "OnlineTime=" wide
        $f1 = "clientpath=" ascii wide
        $f2 = "serverpath=" ascii wide
    condition:
        3 of them
}

rule CH_RedLeaves_StarBurn_Loader : apt10 redleaves sideloading
{
    meta:
        description = "REDLEAVES loader posing as StarBurn.dll: payload/shortcut names or its XOR decode loop"
        author = "vigil project"
        reference = "https://www.us-cert.gov/ncas/alerts/TA17-117A"
        reference2 = "https://github.com/nccgroup/Cyber-Defence (Signatures/yara/red_leaves.yara)"
        date = "2026-11-23"
        score = 85
    strings:
        $dat = "handkerchief.dat" ascii wide
        $lnk = "persuasion.lnk" ascii wide
        $unk = "pedetdata" ascii wide
        // xor cl,[edx+edi] / add edx,2 / mov [esi],cl / cmp edx,N / jl
        $loop = { 32 0C 3A 83 C2 02 88 0E 83 FA ?? 7C F3 }
    condition:
        uint16(0) == 0x5A4D and ($loop or 2 of ($dat, $lnk, $unk))
}

rule CH_RedLeaves_Himawari_Variant : apt10 redleaves
{
    meta:
        description = "Himawari, a REDLEAVES variant, by its marker strings"
        author = "vigil project"
        reference = "https://www.jpcert.or.jp/present/2018/JSAC2018_01_nakatsuru.pdf"
        reference2 = "https://github.com/JPCERTCC/jpcert-yara (APT10/apt10.yara)"
        date = "2026-11-23"
        score = 85
    strings:
        $a = "himawariA" ascii wide
        $b = "himawariB" ascii wide
        $c = "HimawariDemo" ascii wide
    condition:
        all of them
}
