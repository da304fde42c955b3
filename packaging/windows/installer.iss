; Inno Setup 6 script for the LwM2M Module Workbench (Windows x64).
; packaging/build.py runs it when iscc is found, defining BundleDir (the PyInstaller --onedir
; folder), AppVersion, IconFile and OutputDir. By hand, from the repository root:
;   iscc /DAppVersion=0.1.0 /DBundleDir=dist\lwm2m-workbench ^
;        /DIconFile=build\icons\lwm2m-workbench.ico /DOutputDir=dist packaging\windows\installer.iss
; Silent install for CI: setup.exe /VERYSILENT /SUPPRESSMSGBOXES /CURRENTUSER /DIR=C:\somewhere

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef BundleDir
  #define BundleDir "..\..\dist\lwm2m-workbench"
#endif
#ifndef IconFile
  #define IconFile "..\..\build\icons\lwm2m-workbench.ico"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

#define AppName "LwM2M Module Workbench"
#define AppExe "lwm2m-workbench.exe"

[Setup]
; The AppId identifies the product to the uninstaller and to upgrades: never change it.
AppId={{6B0E8D2A-4C1F-4E9B-9A57-3D2F1C8E7B41}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=LwM2M Module Workbench team
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per-user install without admin rights is offered; per-machine when run elevated.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; PySide6 6.12 needs Windows 10 1809 or later.
MinVersion=10.0.17763
OutputDir={#OutputDir}
OutputBaseFilename=lwm2m-workbench-{#AppVersion}-windows-x64-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
ChangesEnvironment=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade must not leave modules of the previous version beside the new ones.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Debug the LwM2M client inside cellular IoT modules"
Name: "{autoprograms}\{#AppName} (demo)"; Filename: "{app}\{#AppExe}"; Parameters: "--demo"; Comment: "The workbench with a simulated module and the built-in server"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
