"""A tiny invented dataset in the ETO format, for examples and tests."""

from __future__ import annotations

from pathlib import Path

__all__ = ["example_folder"]


_EXAMPLE = {
    "stages.csv": """stage_id,stage_name,description,market_share_chart_global_market_size_info,\
market_share_chart_caption,market_share_chart_source
S1,Design,Designing chips.,$100 billion (2022),Design by country.,Example survey
S2,Fabrication,Making chips.,,Fab capacity by site.,Example survey
S3,"Assembly, testing, and packaging (ATP)",Packaging chips.,,,
""",
    "inputs.csv": """input_id,input_name,type,stage_id,description,year,\
market_share_chart_global_market_size_info,market_share_chart_source
N1,Chip design,process,S1,,,,
N2,Design software,tool_resource,,,2024,$4 billion (2024),Example tool survey
N3,Wafer processing,process,S2,,,,
N4,Lithography tools,tool_resource,,,2025,$10 billion (2025),Example tool survey
N5,EUV scanners,tool_resource,,,2025,$8 billion (2025),Example tool survey
N6,DUV scanners,tool_resource,,,2025,$2 billion (2025),Example tool survey
N7,Packaging,process,S3,,,,
N8,Finished chip,ultimate_output,,,,,
""",
    "sequence.csv": """input_name,input_id,goes_into_name,goes_into_id,is_type_of_name,\
is_type_of_id
Design software,N2,Chip design,N1,,
Chip design,N1,Wafer processing,N3,,
Lithography tools,N4,Wafer processing,N3,,
EUV scanners,N5,,,Lithography tools,N4
DUV scanners,N6,,,Lithography tools,N4
Wafer processing,N3,Packaging,N7,,
Packaging,N7,Finished chip,N8,,
""",
    "providers.csv": """provider_name,alias,provider_id,provider_type,country
USA,United States,P1,country,
NLD,Netherlands,P2,country,
JPN,Japan,P3,country,
TWN,Taiwan,P4,country,
Various countries,,P5,country,
Scanco,,P10,organization,NLD
Optix,,P11,organization,JPN
""",
    "provision.csv": """provider_name,provider_id,provided_name,provided_id,share_provided,\
year,source
USA,P1,Design software,N2,80,2024,Example tool survey
JPN,P3,Design software,N2,,2024,Example tool survey
Scanco,P10,EUV scanners,N5,100,2025,Example tool survey
Scanco,P10,DUV scanners,N6,70,2025,Example tool survey
Optix,P11,DUV scanners,N6,30,2025,Example tool survey
USA,P1,Design,S1,60,2022,
TWN,P4,Design,S1,5,2022,
Various countries,P5,Design,S1,36,2022,
TWN,P4,Fabrication,S2,70,2022,
USA,P1,Fabrication,S2,30,2022,
""",
}


def example_folder(path: str | Path) -> Path:
    """Write a tiny invented dataset in the ETO format into ``path``; return ``path``.

    Eight inputs (a lithography category with two scanner generations among them),
    three stages and a few providers; every name and number is made up.

    Examples
    --------
    >>> import tempfile
    >>> sorted(p.name for p in example_folder(tempfile.mkdtemp()).iterdir())
    ['inputs.csv', 'providers.csv', 'provision.csv', 'sequence.csv', 'stages.csv']
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in _EXAMPLE.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
