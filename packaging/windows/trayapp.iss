; Inno Setup 6 script: a per-user installer for the PyInstaller bundle (no admin rights).
;
;   pyinstaller --noconfirm --distpath build\windows\dist --workpath build\windows\work packaging\trayapp.spec
;   iscc /DAppVersion=0.1.0 packaging\windows\trayapp.iss      -> dist\trayapp-0.1.0-windows-setup.exe
; (packaging\windows\build.ps1 runs both.) NOT BUILT OR RUN in the project's CI, which is Linux.
;
; Where things go (per user; nothing in Program Files, nothing for other users):
;   the app          %LOCALAPPDATA%\Programs\trayapp\            ({app}: replaced on upgrade)
;   Start menu       %APPDATA%\Microsoft\Windows\Start Menu\Programs\trayapp.lnk
;   start at login   HKCU\Software\Microsoft\Windows\CurrentVersion\Run, value "trayapp"
;                    (the same value trayapp.autostart writes: the optional task below sets it,
;                    and Settings > Start at login or `trayapp autostart on|off` change it later)
;   user data        %LOCALAPPDATA%\trayapp\ (config.toml, incidents.sqlite3, logs): written by
;                    the app, never by this installer, and left alone on upgrade and uninstall.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "trayapp"
#define AppId "io.github.trayapp.TrayApp"
#define RunKey "Software\Microsoft\Windows\CurrentVersion\Run"
#define RunValue "trayapp"
#define Bundle "..\..\build\windows\dist\trayapp"

[Setup]
; The GUID identifies the product to Windows' "Installed apps" list: never change it.
AppId={{17cac548-e019-452f-b7b7-79c0a864894c}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=The trayapp developers
; PLACEHOLDER project URL, as in the AppStream metainfo: replace with the real one.
AppPublisherURL=https://github.com/trayapp/trayapp
AppSupportURL=https://github.com/trayapp/trayapp/issues
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableReadyPage=no
UninstallDisplayIcon={app}\trayapp.exe
UninstallDisplayName={#AppName}
SetupIconFile=..\..\resources\icons\trayapp.ico
OutputDir=..\..\dist
OutputBaseFilename=trayapp-{#AppVersion}-windows-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; a running trayapp holds its files open: ask it (Restart Manager) to close first
CloseApplications=yes
RestartApplications=no
MinVersion=10.0

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "autostart"; Description: "Start trayapp when I sign in"; GroupDescription: "Start-up:"

[Files]
; the whole one-folder bundle; files of an older version that the new one lacks are removed
; by [InstallDelete] first, so an upgrade never mixes libraries of two Qt versions
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
; AppUserModelID: Windows groups the app's toast notifications under this id
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\trayapp.exe"; AppUserModelID: "{#AppId}"; Comment: "Watch the status of the online services you depend on"

[Registry]
; The task's Run value: exactly what trayapp.autostart.windows_run_value() writes for a frozen
; app (the quoted path of trayapp.exe). Removed on uninstall whoever wrote it (see [Code]).
Root: HKCU; Subkey: "{#RunKey}"; ValueType: string; ValueName: "{#RunValue}"; ValueData: """{app}\trayapp.exe"""; Tasks: autostart; Flags: uninsdeletevalue

[Run]
Filename: "{app}\trayapp.exe"; Description: "Start trayapp now"; Flags: nowait postinstall skipifsilent

[Code]
{ A Run value pointing into {app} must not outlive the app, also when the user set it from the
  app's settings rather than with the installer's task. The user's data is not touched. }
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Command: String;
begin
  if CurUninstallStep = usPostUninstall then
    if RegQueryStringValue(HKCU, '{#RunKey}', '{#RunValue}', Command) then
      if Pos(Lowercase(ExpandConstant('{app}')), Lowercase(Command)) > 0 then
        RegDeleteValue(HKCU, '{#RunKey}', '{#RunValue}');
end;
