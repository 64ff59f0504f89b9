; Inno Setup script: the MeterDesk desktop for Windows counter and office PCs.
;
; Build on Windows, from the repository root, after the PyInstaller bundle:
;   py -m venv .venv && .venv\Scripts\pip install -e . pyinstaller
;   .venv\Scripts\pyinstaller installer\meterdesk.spec --noconfirm --distpath build\dist --workpath build\work
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 installer\meterdesk.iss
; gives build\installer\MeterDesk-0.1.0-setup.exe.
;
; Per-machine install (Program Files, all users' Start menu) and per-machine settings:
; MD_HOME is set machine-wide to C:\ProgramData\MeterDesk, which holds meterdesk.toml
; (central database, branch of this PC: written by the first-run wizard), logs\ and, for
; the embedded demo only, pgdata\. Every clerk on the PC thus uses one configuration; the
; database password is kept in each user's Windows Credential Manager (keyring), never in
; the file. The folder is kept on uninstall, so a reinstall finds its settings.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6B1E0C52-3F7A-4C1B-9E55-5D6F3C2A9B10}
AppName=MeterDesk 水电计量收费系统
AppVersion={#AppVersion}
AppPublisher=水电保障中心
DefaultDirName={autopf}\MeterDesk
DefaultGroupName=MeterDesk
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\build\installer
OutputBaseFilename=MeterDesk-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\meterdesk-desktop.exe
DisableProgramGroupPage=yes
; MD_HOME below: tell running programs (Explorer) that the environment changed.
ChangesEnvironment=yes

[Languages]
Name: "chinesesimp"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Dirs]
; Clerks' sessions write the logs (and the demo database) here.
Name: "{commonappdata}\MeterDesk"; Permissions: users-modify; Flags: uninsneveruninstall

[Files]
Source: "..\build\dist\meterdesk-desktop\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\MeterDesk 水电计量收费"; Filename: "{app}\meterdesk-desktop.exe"; WorkingDir: "{app}"
Name: "{group}\MeterDesk 设置文件夹"; Filename: "{commonappdata}\MeterDesk"
Name: "{group}\卸载 MeterDesk"; Filename: "{uninstallexe}"

[Registry]
; MD_HOME for every user of the PC: settings in the per-machine folder.
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; ValueType: expandsz; ValueName: "MD_HOME"; ValueData: "{commonappdata}\MeterDesk"; Flags: uninsdeletevalue

[Run]
Filename: "{app}\meterdesk-desktop.exe"; Description: "启动 MeterDesk"; Flags: nowait postinstall skipifsilent unchecked

[UninstallDelete]
; The bundle only; the settings folder and users' data are kept for a reinstall.
Type: filesandordirs; Name: "{app}"
