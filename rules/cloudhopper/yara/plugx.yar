/*
 * PlugX (also SOGU, Korplug) - the long-lived RAT that TA17-117A lists
 * beside REDLEAVES in the MSP intrusions. Rules written by the vigil project
 * from facts published in:
 *   US-CERT TA17-117A (April 2017): build paths and PDB path of the PlugX
 *     and RedLeaves binaries the alert analysed;
 *   the PlugX Volatility plugin published in github.com/mattulm/IR-things
 *     (volplugs/plugx.py): the "GULP" header of decoded v1 payloads and the
 *     HTTP C&C path format "/update?id=%8.8x".
 */

rule CH_PlugX_Build_Paths : apt10 plugx
{
    meta:
        description = "PlugX / RedLeaves binary with the developer paths quoted in TA17-117A"
        author = "vigil project"
        reference = "https://www.us-cert.gov/ncas/alerts/TA17-117A"
        date = "2026-11-23"
        score = 85
    strings:
        $p1 = "d:\\work\\plug4.0(shellcode)" ascii wide nocase
        $p2 = "\\shellcode\\shellcode\\XSetting.h" ascii wide nocase
        $pdb = "\\my_OK_2014\\bit9\\runsna\\Release\\runsna.pdb" ascii nocase
    condition:
        $pdb or ($p1 and $p2)
}

rule CH_PlugX_C2_Path_Format : plugx
{
    meta:
        description = "PlugX HTTP C&C path format in a PE file or a decoded payload with the GULP header"
        author = "vigil project"
        reference = "https://github.com/mattulm/IR-things (volplugs/plugx.py)"
        reference2 = "https://www.us-cert.gov/ncas/alerts/TA17-117A"
        date = "2026-11-23"
        score = 80
    strings:
        $url = "/update?id=%8.8x" ascii wide
        $gulp = { 47 55 4C 50 00 00 00 00 }
    condition:
        $gulp at 0 or (uint16(0) == 0x5A4D and $url)
}
